/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Sync's wire format (see sync.h): every field big-endian, a 40-byte header
 *   "DSRS" | version 2 | type | count (2) | sender (8) | seq (8) | time ms (8)
 *   | length (4, the whole datagram) | part (4)
 * then count entries (or a fixed body), then HMAC-SHA256 over all before it.
 * A flow is 60 bytes: its hash (8), its VIP's address (16), port (2),
 * protocols and family, a zero byte, the backend's family, idle seconds (2),
 * the backend's address (16), timeout seconds (4), 8 zero bytes. A
 * fingerprint is
 * 28: family, protocols, port (2), address (16), fingerprint (8).
 */
#ifndef DSRLB_WIRE_H
#define DSRLB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ha/sync.h"

#define MAGIC "DSRS"
#define VERSION 2 /* 2: flows by hash (issue 16) */
#define HDR 40
#define MAC 32 /* crypto_auth_hmacsha256_BYTES */
#define FLOW_WIRE 60
#define FP_WIRE 28
#define HELLO_BODY 48
#define FLOWS_PER_MSG ((SYNC_DGRAM_MAX - HDR - MAC) / FLOW_WIRE)
#define FPS_PER_MSG ((SYNC_DGRAM_MAX - HDR - MAC) / FP_WIRE)
#define WIRE_KEY 32 /* crypto_auth_hmacsha256_KEYBYTES */

enum { T_HELLO = 1, T_REQUEST, T_FLOWS, T_END, T_FPREQ, T_FPLIST };


void wire_put16(unsigned char *p, uint16_t v);
void wire_put32(unsigned char *p, uint32_t v);
void wire_put64(unsigned char *p, uint64_t v);
uint16_t wire_get16(const unsigned char *p);
uint32_t wire_get32(const unsigned char *p);
uint64_t wire_get64(const unsigned char *p);
void wire_flow_put(unsigned char *p, const struct sync_flow *f);
/* false: not a flow any balancer could have (families, protocol, padding) */
bool wire_flow_get(const unsigned char *p, struct sync_flow *f);
/* Has a message of type the size its count says? */
bool wire_shape_ok(int type, uint16_t count, size_t body);
/* The key from the deployment's secret file (root-owned, 0600, 16 bytes or more). */
int wire_secret(const char *path, unsigned char key[WIRE_KEY], char *err, size_t errlen);

#endif
