/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The model: what the operator declared (a config file and its vips_dir, or
 * the quick-start flags), validated in one place. VIPs are held by pointer,
 * so a change to one VIP replaces one pointer; every check that spans VIPs
 * uses an index (validate.c), so a file of 10,000 VIPs is checked in linear
 * time.
 *
 *   parse.c     YAML (JSON is YAML) into a struct cfg, every error with its place
 *   load.c      the main file and vips_dir, freeing and copying
 *   validate.c  the checks that span keys and VIPs
 *   json.c      a VIP or the whole model as JSON, and a VIP from JSON
 *   write.c     the model back to its files, atomically, one file per change
 *   model.c     the running model with its indexes (struct model)
 */
#ifndef DSRLB_CONFIG_H
#define DSRLB_CONFIG_H

#include <net/if.h>
#include <stdint.h>

#include "dataplane/dataplane.h"
#include "lib/addr.h"
#include "lib/hmap.h"

#define CFG_NAME_MAX 64
#define CFG_MAX_BACKENDS_PER_VIP 4096
/* Errors listed in full before the rest are only counted (a file of 4,000 copies of one VIP). */
#define CFG_ERRORS_MAX 50

enum cfg_sched { CFG_SCHED_MAGLEV, CFG_SCHED_RR, CFG_SCHED_WRR, CFG_SCHED_SH, CFG_SCHED_LC };

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
	struct cfg_check *check; /* its own (the VIP's with its overrides), or NULL: the VIP's */
	int line, col;
};

struct cfg_vip {
	char name[CFG_NAME_MAX];
	struct vip_spec spec;
	enum cfg_sched sched;
	uint32_t table_size;   /* slots; 0 = the config's table_size, or sized from the backends */
	uint32_t tcp_timeout, udp_timeout; /* seconds; 0 = flow_table's */
	struct cfg_check check;
	uint32_t hold_down_ms; /* a backend's health changes the table at most once per */
	bool all_down_drop;    /* every backend down: drop (true) or keep the last (false) */
	bool stateless;        /* flow_table: off (maglev and sh only): placed by the table alone */
	struct cfg_backend *b;
	int nb;
	const char *origin;    /* the file it is kept in: NULL for the main config, else a vips_dir file */
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

/*
 * Several balancers as one (issue 14). announce: the VIPs this balancer can
 * serve, as routes in a kernel table that bird2's kernel protocol learns and
 * BGP announces. vrrp: a track file for keepalived. sync: flow entries that
 * differ from the tables, shared with peers over authenticated UDP.
 */
struct cfg_announce {
	uint32_t table;            /* kernel routing table (1-4294967295 but 253-255); 0 = none */
	uint32_t withdraw_wait_ms; /* stop --detach: from withdrawing to detaching */
};

struct cfg_vrrp {
	char track_file[256]; /* "" = none: written with the number of VIPs it cannot serve */
	bool vips_on_lo;      /* the VIPs on lo, ARP and NDP silent: true health checks on a standby */
};

#define CFG_SYNC_PEERS_MAX 16
struct cfg_sync {
	char listen[64]; /* ADDR:PORT to receive on; "" = no sync */
	char peers[CFG_SYNC_PEERS_MAX][64];
	int npeers;
	char secret_file[256];     /* root-owned, mode 0600: the deployment's shared secret */
	char node[64];             /* this balancer's name among its peers ("" = the host name) */
	uint32_t learn_timeout_ms; /* at start, the wait for the peers' exceptions */
};

#define CFG_API_SOCKET_DEFAULT "/run/dsrlb/dsrlb.sock"
/* $DSRLB_SOCKET if set (an absolute path), else CFG_API_SOCKET_DEFAULT */
const char *cfg_api_socket_default(void);

/* Bytes the VIPs' tables may take in all, unless table_memory says: about 10,000 VIPs of 10 backends. */
#define CFG_TABLE_MEMORY_DEFAULT (1024ull << 20)

struct cfg {
	char iface[IF_NAMESIZE];
	enum dp_mode mode;
	uint32_t table_size;        /* slots of every VIP's table; 0 = sized from its backends */
	uint64_t table_memory;      /* bytes all tables may take */
	uint32_t hash_seed;
	int resolve_timeout_ms;
	char pin_dir[256]; /* on a bpffs; the maps of IFACE live in pin_dir/IFACE */
	uint32_t flow_size;         /* flow table entries; 0 = no flow table */
	uint32_t tcp_timeout, udp_timeout; /* seconds a flow may idle */
	uint32_t new_flows_per_sec; /* per CPU */
	char vips_dir[256];         /* every *.yaml there holds VIPs ("" = none) */
	char state_dir[256];        /* where the maintenance flag is kept */
	struct cfg_api api;
	struct cfg_announce announce;
	struct cfg_vrrp vrrp;
	struct cfg_sync sync;
	struct cfg_vip **vips;
	int nv, capv;
	char **origins;             /* the files VIPs came from (cfg_vip.origin points here) */
	int norigins;
	struct hmap origin_index;   /* a path's hash -> the origin (cfg_origin: 10,000 files) */
};

/* Defaults for everything that is optional. */
void cfg_init(struct cfg *c);
void cfg_free(struct cfg *c);

/*
 * Parse and validate a YAML (or JSON) file and the VIP files of its
 * vips_dir. Returns the number of errors (0: c is filled). *errors gets the
 * messages, one per line, each as "FILE:LINE:COLUMN: what is wrong"; the
 * caller frees it.
 */
int cfg_load(const char *path, struct cfg *c, char **errors);
/* Same, from a string (tests, and the API's bodies); name is used in messages. */
int cfg_load_string(const char *name, const char *text, struct cfg *c, char **errors);

/* The checks that do not depend on the source; the quick start runs them too. */
int cfg_validate(const struct cfg *c, const char *name, char **errors);

/* The defaults of a VIP and of a health check, as the parser starts them. */
void cfg_vip_init(struct cfg_vip *v);
void cfg_check_init(struct cfg_check *c);
/* A new VIP (defaults set) / its deep copy / freeing one. */
struct cfg_vip *cfg_vip_new(void);
struct cfg_vip *cfg_vip_copy(const struct cfg_vip *v);
void cfg_vip_free(struct cfg_vip *v);
/* Append v (owned from now on) to c. 0 or -ENOMEM. */
int cfg_add_vip(struct cfg *c, struct cfg_vip *v);
/* Is a the address of one of the VIPs of ctx (a const struct cfg *)? For ifaddr_sources. */
bool cfg_is_vip_addr(void *ctx, const struct dsrlb_addr *a);
/* The origin string for path, kept once in c. NULL on allocation failure. */
const char *cfg_origin(struct cfg *c, const char *path);

/* The check a backend is probed with. */
static inline const struct cfg_check *cfg_backend_check(const struct cfg_vip *v,
							 const struct cfg_backend *b)
{
	return b->check ? b->check : &v->check;
}

/* How many slots v's table has: its table_size, the config's, or sized from its backends. */
uint32_t cfg_vip_table_size(const struct cfg *c, const struct cfg_vip *v);
/* The sizes tables are chosen from: the smallest above 100 per backend. */
uint32_t cfg_table_size_for(int backends);

const char *cfg_state_name(enum cfg_backend_state s);
const char *cfg_sched_name(enum cfg_sched s);
const char *cfg_check_name(enum cfg_check_type t);

/* "127.0.0.1:9180" or "[::1]:9180" into ss. 0 or -EINVAL. */
struct sockaddr_storage;
int cfg_api_listen_parse(const char *s, struct sockaddr_storage *ss);

/*
 * Errors, listed one per line and capped at CFG_ERRORS_MAX (the rest are
 * counted): the parser's and validation's, and the API's.
 */
struct cfg_errs {
	char *buf;
	size_t len, cap;
	int n;
	const char *name;
};
void cfg_err(struct cfg_errs *e, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The list as text (with "... and N more"); owned by the caller. */
char *cfg_errs_text(struct cfg_errs *e);

/* Checks of one VIP against the config's settings (not against other VIPs). */
void cfg_vip_validate(const struct cfg *c, const struct cfg_vip *v, struct cfg_errs *e);
/* Every check, cfg_vip_validate's and those across VIPs (names, services, ids), into e. */
void cfg_validate_into(const struct cfg *c, struct cfg_errs *e);
/* Backend ids a VIP needs (its backends that are not off). */
int cfg_vip_ids(const struct cfg_vip *v);
/* The route keys of a VIP (one per protocol it serves): what two VIPs may not share. */
struct cfg_route {
	uint8_t family, proto;
	uint16_t port;
	uint8_t addr[16];
};
int cfg_vip_routes(const struct cfg_vip *v, struct cfg_route out[2]);
/* Is a a unicast address a VIP or backend may have? NULL, or why not. */
const char *cfg_addr_unusable(const struct dsrlb_addr *a);

#endif
