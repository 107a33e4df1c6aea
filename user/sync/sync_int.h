/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the sync module: shared by sync*.c, not by the rest. */
#ifndef XD_SYNC_INT_H
#define XD_SYNC_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ha/auth.h"
#include "sync/sync.h"
#include "sync/sync_wire.h"

#define SYNC_MAX_DESTS		16
#define SYNC_MAX_PEERS		8
#define SYNC_TICK_S		0.010	/* bulk pacing period */
#define SYNC_DEFAULT_BULK_BYTES	(96 * 1024)	/* per tick: ~77 Mbit/s */
#define SYNC_DEFAULT_REFRESH_S	60	/* well under ESTABLISHED's 900 s */
#define SYNC_KEEPALIVE_S	1.0	/* empty CONN when idle: gap detection */
#define SYNC_BULK_RETRY_S	2.0	/* standby: no bulk progress -> ask again */
#define SYNC_BULK_MIN_GAP_S	1.0	/* standby: at most one request per this */
#define SYNC_RX_BATCH		32	/* datagrams per recvmmsg */
#define SYNC_RX_MSGS_BUDGET	64	/* datagrams per wake-up */
#define SYNC_RX_ENTRIES_BUDGET	4096	/* entries installed per wake-up */
#define SYNC_RX_CTL_LEN		CMSG_SPACE(sizeof(struct timespec))

struct sync_dest {
	int fd;			/* the main socket, or one bound to a device */
	struct sockaddr_in sa;
	char what[48];		/* "bcast eth1", "ucast 10.0.0.3", for logs */
};

struct sync_peer {
	char node[SYNC_NODE_MAX + 1];
	struct replay_window rw;
	uint64_t gen;		/* generation of its CONN stream */
	uint32_t next_stream;	/* next CONN stream seq expected */
	bool stream_valid;
	struct sockaddr_in addr;	/* where its last message came from */
	ev_tstamp last_rx;
};

/* One entry of a bulk snapshot: idle as it was at the snapshot. */
struct sync_snap {
	struct backend_sync_conn *v;
	size_t n, cap;
	uint64_t taken_ns;	/* CLOCK_MONOTONIC at the snapshot */
};

enum bulk_phase { BULK_IDLE = 0, BULK_SNAPSHOT, BULK_SENDING };

/* The master's one bulk transfer (answer to a request, or a refresh). */
struct sync_bulk_job {
	enum bulk_phase phase;
	uint32_t id;		/* request id answered; 0: periodic refresh */
	bool to_all;		/* refresh: every destination */
	struct sockaddr_in to;	/* requester */
	pthread_t thread;
	bool thread_running;
	atomic_bool cancel;
	struct sync_snap snap;
	size_t pos;		/* next entry to send */
	uint32_t chunks;
	size_t chunk_est;	/* entries per chunk, adapted to zlib's ratio */
	double tokens;		/* bytes we may send now */
	ev_tstamp started;
};

enum backup_bulk_state {
	BB_NONE = 0,		/* nothing asked */
	BB_WANTED,		/* ask at the next chance */
	BB_REQUESTED,		/* asked, waiting for BULK_END */
	BB_DONE,
};

struct sync_stats {
	uint64_t tx_msgs, tx_bytes, tx_entries, tx_errors;
	uint64_t rx_msgs, rx_bytes, rx_own;
	uint64_t rx_drop[SYNC_DROP_MAX];
	uint64_t installed, rej_state, rej_proto, rej_addr, rej_flags;
	uint64_t rej_unknown, install_errors;
	uint64_t events, gaps, lost_msgs;
	uint64_t bulk_req_sent, bulk_req_rx, bulk_served, bulk_aborted;
	uint64_t bulk_done, bulk_incomplete, bulk_timeouts;
	uint64_t bulk_chunks_rx, bulk_entries_rx;
	uint64_t refreshes;
	double lag_ms, lag_max_ms, last_bulk_s;
	uint64_t last_bulk_entries;
};

struct sync {
	struct ev_loop *loop;
	struct backend *b;
	char node[SYNC_NODE_MAX + 1];
	size_t nodelen;
	struct authkeys keys;	/* our copy */
	const struct auth_key *sign_key;
	bool seal;		/* encrypt payloads, refuse clear ones */
	uint16_t port, peer_port;
	uint32_t mtu;
	size_t payload_max;	/* per datagram, after header, node and MAC */
	size_t conn_per_msg;
	uint32_t bulk_bytes_per_tick;
	uint32_t refresh_s;

	int fd;			/* main socket: receives, sends unicast */
	ev_io rx_io;
	struct sync_dest dests[SYNC_MAX_DESTS];
	size_t ndests;
	uint32_t local_addrs[64];
	size_t nlocal;

	enum sync_role role;
	bool pinned;		/* the operator chose the role */
	enum sync_role ha_role;	/* membership's last word */
	uint64_t gen, seq;
	uint32_t stream_seq;	/* CONN messages sent in gen */
	struct sync_peer peers[SYNC_MAX_PEERS];
	size_t npeers;
	struct sync_stats st;

	/* rx buffers */
	struct mmsghdr *rx_msgs;
	struct iovec *rx_iov;
	uint8_t *rx_buf;
	uint8_t *rx_ctl;
	uint8_t *raw;		/* SYNC_CHUNK_ENTRIES_MAX decoded entries */
	uint8_t *tx_buf;	/* one datagram */

	/* master: datapath events, the batch being filled */
	struct ring_buffer *rb;
	ev_io rb_io;
	uint8_t *batch;
	size_t nbatch;
	ev_tstamp batch_first;
	ev_tstamp last_tx;
	ev_timer keepalive;
	ev_timer refresh;
	struct sync_bulk_job job;
	ev_timer bulk_tick;
	ev_timer bulk_delay;	/* tests: XD_TEST_BULK_DELAY_MS */
	double test_bulk_delay_s;
	ev_async bulk_ready;

	/* backup: the table transfer we asked for */
	enum backup_bulk_state bb;
	uint32_t bb_id;
	ev_tstamp bb_asked, bb_progress;
	uint32_t bb_chunks;
	uint64_t bb_entries;
	bool bb_dirty;		/* a gap during the transfer: ask again */
	uint64_t bb_table_gen;	/* BB_DONE: generation of the master that
				 * sent the table (failback handshake) */
	uint64_t bb_unknown0;	/* rej_unknown when the transfer began */
	unsigned bb_unknown_retries;
	ev_timer bb_timer;
	uint32_t req_counter;
};

/* sync_net.c */
int sync_net_open(struct sync *s, const struct sync_opts *o);
void sync_net_close(struct sync *s);
/* Build and send to one address, or to every destination (to == NULL). */
int sync_send(struct sync *s, struct sync_hdr *h, const void *payload,
	      size_t plen, const struct sockaddr_in *to);
bool sync_is_local_addr(const struct sync *s, uint32_t addr);

/* sync_rx.c */
void sync_rx_cb(struct ev_loop *loop, ev_io *w, int revents);
/* One datagram as received (tests call this directly). rx_ns: kernel
 * receive time (CLOCK_REALTIME), 0 if unknown. Returns entries handled. */
size_t sync_rx_one(struct sync *s, uint8_t *buf, size_t len,
		   const struct sockaddr_in *from, uint64_t rx_realtime_ns);

/* sync_master.c */
int sync_master_start(struct sync *s);
void sync_master_stop(struct sync *s);
void sync_master_bulk_request(struct sync *s, uint32_t id,
			      const struct sockaddr_in *from);
void sync_master_init(struct sync *s);
void sync_master_fini(struct sync *s);

/* sync_backup.c */
void sync_backup_init(struct sync *s);
void sync_backup_start(struct sync *s);
void sync_backup_stop(struct sync *s);
void sync_backup_want_bulk(struct sync *s, const char *why);
void sync_backup_conn(struct sync *s, struct sync_peer *p,
		      const struct sync_msg *m, uint64_t rx_realtime_ns);
void sync_backup_bulk(struct sync *s, const struct sync_msg *m);
void sync_backup_bulk_end(struct sync *s, const struct sync_msg *m);
/* Install n encoded entries; counts what happens to each. */
void sync_install_entries(struct sync *s, const uint8_t *raw, size_t n);

uint64_t sync_mono_ns(void);
uint64_t sync_real_ns(void);

#endif
