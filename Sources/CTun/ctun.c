#include "ctun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* The kernel's struct in6_ifreq (linux/ipv6.h), declared here to avoid header clashes with glibc. */
struct rz_in6_ifreq {
    struct in6_addr ifr6_addr;
    unsigned int ifr6_prefixlen;
    int ifr6_ifindex;
};

static int tun_open_flags(const char *name, char *out_name, int out_name_len, short extra) {
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI | extra;
    if (name && name[0]) strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (out_name && out_name_len > 0) {
        strncpy(out_name, ifr.ifr_name, (size_t)out_name_len - 1);
        out_name[out_name_len - 1] = 0;
    }
    return fd;
}

int rz_tun_open_vnet(const char *name, char *out_name, int out_name_len, int *vnet_hdr) {
    int fd = tun_open_flags(name, out_name, out_name_len, IFF_VNET_HDR);
    if (fd == -EINVAL) {
        *vnet_hdr = 0;
        return tun_open_flags(name, out_name, out_name_len, 0);
    }
    *vnet_hdr = fd >= 0 ? RZ_VNET_HDR_LEN : 0;
    return fd;
}

/* struct virtio_net_hdr (linux/virtio_net.h), little-endian fields as a legacy TUN on x86 and
   ARM reads them (no TUNSETVNETLE/BE needed on a little-endian host). */
struct rz_vnet_hdr {
    unsigned char flags;        /* 1: VIRTIO_NET_HDR_F_NEEDS_CSUM */
    unsigned char gso_type;     /* 0: VIRTIO_NET_HDR_GSO_NONE */
    unsigned short hdr_len;
    unsigned short gso_size;
    unsigned short csum_start;
    unsigned short csum_offset;
};

_Static_assert(sizeof(struct rz_vnet_hdr) == RZ_VNET_HDR_LEN, "virtio_net_hdr is 10 bytes");

enum { IPV6_HEADER = 40, TCP_CHECKSUM_AT = 16, TCP_MIN_HEADER = 20, NEXT_TCP = 6 };

long rz_tun_write_vnet(int fd, const unsigned char *packet, unsigned long length) {
    struct rz_vnet_hdr hdr;
    memset(&hdr, 0, sizeof(hdr));
    unsigned char head[IPV6_HEADER + TCP_MIN_HEADER];
    struct iovec iov[3];
    int count;
    unsigned long payload = length >= IPV6_HEADER ? ((unsigned long)packet[4] << 8 | packet[5]) : 0;
    int tcp = length >= IPV6_HEADER + TCP_MIN_HEADER && (packet[0] >> 4) == 6 && packet[6] == NEXT_TCP
        && payload + IPV6_HEADER == length;
    if (tcp) {
        memcpy(head, packet, sizeof(head));
        /* Pseudo-header: source, destination, upper-layer length (32 bits, here under 65536),
           next header. */
        unsigned long sum = 0;
        for (int i = 8; i < IPV6_HEADER; i += 2) sum += (unsigned long)head[i] << 8 | head[i + 1];
        sum += payload + NEXT_TCP;
        while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
        head[IPV6_HEADER + TCP_CHECKSUM_AT] = (unsigned char)(sum >> 8);
        head[IPV6_HEADER + TCP_CHECKSUM_AT + 1] = (unsigned char)sum;
        unsigned long tcp_header = (unsigned long)(packet[IPV6_HEADER + 12] >> 4) * 4;
        if (tcp_header < TCP_MIN_HEADER || IPV6_HEADER + tcp_header > length) tcp_header = TCP_MIN_HEADER;
        hdr.flags = 1;
        hdr.hdr_len = (unsigned short)(IPV6_HEADER + tcp_header);
        hdr.csum_start = IPV6_HEADER;
        hdr.csum_offset = TCP_CHECKSUM_AT;
        iov[0] = (struct iovec){ &hdr, sizeof(hdr) };
        iov[1] = (struct iovec){ head, sizeof(head) };
        iov[2] = (struct iovec){ (void *)(packet + sizeof(head)), length - sizeof(head) };
        count = 3;
    } else {
        iov[0] = (struct iovec){ &hdr, sizeof(hdr) };
        iov[1] = (struct iovec){ (void *)packet, length };
        count = 2;
    }
    ssize_t n = writev(fd, iov, count);
    if (n < 0) return -errno;
    return n >= (ssize_t)sizeof(hdr) ? (long)(n - (ssize_t)sizeof(hdr)) : 0;
}

static int with_socket(int family, int (*fn)(int, void *), void *arg) {
    int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    int rc = fn(s, arg);
    close(s);
    return rc;
}

struct mtu_arg { const char *name; int mtu; int get; };

static int do_mtu(int s, void *p) {
    struct mtu_arg *a = p;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, a->name, IFNAMSIZ - 1);
    if (a->get) {
        if (ioctl(s, SIOCGIFMTU, &ifr) < 0) return -errno;
        a->mtu = ifr.ifr_mtu;
        return 0;
    }
    ifr.ifr_mtu = a->mtu;
    return ioctl(s, SIOCSIFMTU, &ifr) < 0 ? -errno : 0;
}

int rz_if_set_mtu(const char *name, int mtu) {
    struct mtu_arg a = { name, mtu, 0 };
    return with_socket(AF_INET6, do_mtu, &a);
}

int rz_if_get_mtu(const char *name, int *mtu) {
    struct mtu_arg a = { name, 0, 1 };
    int rc = with_socket(AF_INET6, do_mtu, &a);
    if (rc == 0) *mtu = a.mtu;
    return rc;
}

struct addr_arg { const char *name; const unsigned char *addr; int prefix; };

static int do_addr(int s, void *p) {
    struct addr_arg *a = p;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, a->name, IFNAMSIZ - 1);
    if (ioctl(s, SIOCGIFINDEX, &ifr) < 0) return -errno;
    struct rz_in6_ifreq req;
    memset(&req, 0, sizeof(req));
    memcpy(&req.ifr6_addr, a->addr, 16);
    req.ifr6_prefixlen = (unsigned int)a->prefix;
    req.ifr6_ifindex = ifr.ifr_ifindex;
    return ioctl(s, SIOCSIFADDR, &req) < 0 ? -errno : 0;
}

int rz_if_add_ipv6(const char *name, const unsigned char addr[16], int prefix) {
    struct addr_arg a = { name, addr, prefix };
    return with_socket(AF_INET6, do_addr, &a);
}

static int do_up(int s, void *p) {
    const char *name = p;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) return -errno;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    return ioctl(s, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

int rz_if_up(const char *name) {
    return with_socket(AF_INET6, do_up, (void *)name);
}

static int do_is_up(int s, void *p) {
    const char *name = p;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) return -errno;
    return (ifr.ifr_flags & IFF_UP) ? 1 : 0;
}

int rz_if_is_up(const char *name) {
    return with_socket(AF_INET6, do_is_up, (void *)name);
}
