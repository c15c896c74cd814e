#ifndef RHIZOME_CTUN_H
#define RHIZOME_CTUN_H

/* Small wrappers over the Linux TUN and interface ioctls, so Swift never handles ifreq layouts.
   Each returns 0 (or a file descriptor) on success and -errno on failure. */

/* Opens /dev/net/tun as a layer-3 device without packet information. `name` may be empty to let
   the kernel choose; the chosen name is written to `out_name` (at least 16 bytes). */
int rz_tun_open(const char *name, char *out_name, int out_name_len);

/* Sets the MTU of interface `name`. */
int rz_if_set_mtu(const char *name, int mtu);

/* Reads the MTU of interface `name` into *mtu. */
int rz_if_get_mtu(const char *name, int *mtu);

/* Adds IPv6 address `addr` (16 bytes) with prefix length `prefix` to interface `name`. */
int rz_if_add_ipv6(const char *name, const unsigned char addr[16], int prefix);

/* Sets interface `name` up. */
int rz_if_up(const char *name);

/* 1 if interface `name` is administratively up, 0 if not, -errno on failure. */
int rz_if_is_up(const char *name);

#endif
