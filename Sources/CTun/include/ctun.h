#ifndef RHIZOME_CTUN_H
#define RHIZOME_CTUN_H

/* Small wrappers over the Linux TUN and interface ioctls, so Swift never handles ifreq layouts.
   Each returns 0 (or a file descriptor) on success and -errno on failure. */

/* Opens /dev/net/tun as a layer-3 device without packet information. `name` may be empty to let
   the kernel choose; the chosen name is written to `out_name` (at least 16 bytes). Asks for a
   virtio-net header in front of every packet read and written (IFF_VNET_HDR), which lets writes
   tell the kernel a TCP checksum needs no checking; falls back to no header if the kernel
   refuses it. *vnet_hdr is set to the header's size (10) or 0. */
int rz_tun_open_vnet(const char *name, char *out_name, int out_name_len, int *vnet_hdr);

/* Size of the virtio-net header a read returns in front of each packet when it is on. */
#define RZ_VNET_HDR_LEN 10

/* Writes one IPv6 packet to a TUN opened with the virtio-net header. A TCP segment right after
   the fixed header goes as "checksum partial" (the TCP checksum field is rewritten, in a copy of
   the headers, to the pseudo-header sum the kernel expects), so the local stack does not sum the
   payload again: it arrived sealed by an authenticated cipher, which already proved it whole.
   Packets routed on (the node's /64) get their checksum computed from it as for any offload.
   Anything else goes with an empty header. Returns the packet bytes written or -errno. */
long rz_tun_write_vnet(int fd, const unsigned char *packet, unsigned long length);

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
