/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The model: what the operator declared (a config file, or the quick-start
 * flags), validated in one place. Everything that changes the data plane is
 * a new struct cfg handed to the engine, which applies it as a whole.
 */
#ifndef DSRLB_CONFIG_H
#define DSRLB_CONFIG_H

#include <net/if.h>
#include <stdint.h>

#include "lib/addr.h"
#include "dataplane/dataplane.h"

#define CFG_NAME_MAX 64
#define CFG_MAX_BACKENDS_PER_VIP 4096

enum cfg_sched { SCHED_MAGLEV, SCHED_RR, SCHED_WRR, SCHED_SH, SCHED_LC };

enum cfg_backend_state {
	BACKEND_UP,    /* takes new flows, in proportion to its weight */
	BACKEND_DRAIN, /* takes no new flows */
	BACKEND_OFF,   /* takes nothing */
};

enum cfg_check_type { CHECK_NONE, CHECK_TCP, CHECK_HTTP, CHECK_UDP };

/* A health check (a VIP's; a backend may override any key of it). */
struct cfg_check {
	enum cfg_check_type type;
	uint16_t port;             /* 0: the VIP's port */
	bool real;                 /* probe the backend's own address, not VIP:port at its MAC */
	char path[128];            /* http: GET this */
	int expect_status;         /* http: this status passes */
	char payload[128];         /* udp: send this */
	char expect[128];          /* udp: the reply must contain this ("" = any reply) */
	uint32_t interval_ms, timeout_ms;
	uint32_t rise, fall;       /* passes to come back, failures to go down */
};

struct cfg_backend {
	struct dsrlb_addr addr;
	uint32_t weight; /* 0 behaves as drain */
	enum cfg_backend_state state;
	struct cfg_check check;
	int line, col;
};

struct cfg_vip {
	char name[CFG_NAME_MAX];
	struct vip_spec spec;
	enum cfg_sched sched;
	uint32_t tcp_timeout, udp_timeout; /* seconds; 0 = flow_table's */
	struct cfg_check check;
	uint32_t hold_down_ms; /* a backend's health changes the table at most once per */
	bool all_down_drop;    /* every backend down: drop (true) or keep the last (false) */
	struct cfg_backend *b;
	int nb;
	int line, col;
};

/* The daemon's API: a Unix socket always, TCP only if listen is set. */
struct cfg_api {
	char socket[108];     /* path of the Unix socket */
	char group[64];       /* its group ("" = root's); mode 0660 */
	char listen[64];      /* "ADDR:PORT" or "[ADDR]:PORT"; "" = no TCP */
	char token_file[256]; /* bearer token; required when listen is not loopback */
	char web_dir[256];    /* the web interface's static files ("" = not served) */
};

#define CFG_API_SOCKET_DEFAULT "/run/dsrlb/dsrlb.sock"
/* $DSRLB_SOCKET if set (an absolute path), else CFG_API_SOCKET_DEFAULT */
const char *cfg_api_socket_default(void);

struct cfg {
	char iface[IF_NAMESIZE];
	enum dp_mode mode;
	uint32_t table_size;
	uint32_t hash_seed;
	int resolve_timeout_ms;
	char pin_dir[256]; /* on a bpffs; the maps of IFACE live in pin_dir/IFACE */
	uint32_t flow_size;         /* flow table entries; 0 = no flow table */
	uint32_t tcp_timeout, udp_timeout; /* seconds a flow may idle */
	uint32_t new_flows_per_sec; /* per CPU */
	struct cfg_api api;
	struct cfg_vip *vips;
	int nv;
};

/* Defaults for everything that is optional. */
void cfg_init(struct cfg *c);
void cfg_free(struct cfg *c);

/*
 * Parse and validate a YAML (or JSON) file. Returns the number of errors
 * (0: c is filled). *errors gets every message, one per line, each as
 * "FILE:LINE:COLUMN: what is wrong"; the caller frees it.
 */
int cfg_load(const char *path, struct cfg *c, char **errors);

/* Same, from a string (tests); name is used in messages. */
int cfg_load_string(const char *name, const char *text, struct cfg *c, char **errors);

/* The checks that do not depend on the source; the quick start runs them too. */
int cfg_validate(const struct cfg *c, const char *name, char **errors);

/* The defaults of a VIP and of a health check, as the parser starts them. */
void cfg_vip_init(struct cfg_vip *v);
void cfg_check_init(struct cfg_check *c);

const char *cfg_state_name(enum cfg_backend_state s);
const char *cfg_sched_name(enum cfg_sched s);
const char *cfg_check_name(enum cfg_check_type t);

/* "127.0.0.1:9180" or "[::1]:9180" into ss. 0 or -EINVAL. */
struct sockaddr_storage;
int cfg_api_listen_parse(const char *s, struct sockaddr_storage *ss);

/* A deep copy (dst is overwritten). 0 or -ENOMEM. */
int cfg_copy(struct cfg *dst, const struct cfg *src);

#endif
