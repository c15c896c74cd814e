#include "ctun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The kernel's struct in6_ifreq (linux/ipv6.h), declared here to avoid header clashes with glibc. */
struct rz_in6_ifreq {
    struct in6_addr ifr6_addr;
    unsigned int ifr6_prefixlen;
    int ifr6_ifindex;
};

int rz_tun_open(const char *name, char *out_name, int out_name_len) {
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
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
