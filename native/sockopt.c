// Socket options Node does not expose, for BGP sessions: TCP-MD5 signatures (RFC 2385) and the
// TTL / minimum-TTL pair of TTL security (RFC 5082); and for BFD, a UDP socket that only ever
// receives packets sent with TTL 255 (RFC 5881 5). Linux only. Every function throws an Error
// carrying errno's text when the kernel refuses.

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_MINTTL
#define IP_MINTTL 21
#endif
#ifndef IPV6_MINHOPCOUNT
#define IPV6_MINHOPCOUNT 73
#endif

static napi_value fail(napi_env env, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static int args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "missing arguments");
    return 0;
  }
  return 1;
}

static int int_arg(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number");
    return 0;
  }
  return 1;
}

// tcpSocket(v6): a new, unconnected, non-blocking TCP socket's descriptor.
static napi_value TcpSocket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool v6;
  if (!args(env, info, 1, argv) || napi_get_value_bool(env, argv[0], &v6) != napi_ok) return NULL;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(env, "socket");
  napi_value r;
  napi_create_int32(env, fd, &r);
  return r;
}

// closeFd(fd): for a descriptor Node never took over.
static napi_value CloseFd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!args(env, info, 1, argv) || !int_arg(env, argv[0], &fd)) return NULL;
  close(fd);
  return NULL;
}

// setMd5(fd, peerAddress: Uint8Array (4 or 16 octets), key: Uint8Array): TCP_MD5SIG for that peer
// (an empty key removes it).
static napi_value SetMd5(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  if (!args(env, info, 3, argv) || !int_arg(env, argv[0], &fd)) return NULL;
  void *addr, *key;
  size_t addrLen, keyLen;
  if (napi_get_buffer_info(env, argv[1], &addr, &addrLen) != napi_ok || napi_get_buffer_info(env, argv[2], &key, &keyLen) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected buffers");
    return NULL;
  }
  if ((addrLen != 4 && addrLen != 16) || keyLen > TCP_MD5SIG_MAXKEYLEN) {
    napi_throw_range_error(env, NULL, "an address of 4 or 16 octets and a key of at most 80 octets");
    return NULL;
  }
  struct tcp_md5sig sig;
  memset(&sig, 0, sizeof sig);
  if (addrLen == 4) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&sig.tcpm_addr;
    sin->sin_family = AF_INET;
    memcpy(&sin->sin_addr, addr, 4);
  } else {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sig.tcpm_addr;
    sin6->sin6_family = AF_INET6;
    memcpy(&sin6->sin6_addr, addr, 16);
  }
  sig.tcpm_keylen = (uint16_t)keyLen;
  memcpy(sig.tcpm_key, key, keyLen);
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) != 0) return fail(env, "TCP_MD5SIG");
  return NULL;
}

// setTtl(fd, v6, ttl): the TTL (hop limit) of every packet sent.
static napi_value SetTtl(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, ttl;
  bool v6;
  if (!args(env, info, 3, argv) || !int_arg(env, argv[0], &fd) || napi_get_value_bool(env, argv[1], &v6) != napi_ok || !int_arg(env, argv[2], &ttl)) return NULL;
  int r = v6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl) : setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
  if (r != 0) return fail(env, v6 ? "IPV6_UNICAST_HOPS" : "IP_TTL");
  return NULL;
}

// setMinTtl(fd, v6, min): drop every packet that arrives with a smaller TTL (RFC 5082).
static napi_value SetMinTtl(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, min;
  bool v6;
  if (!args(env, info, 3, argv) || !int_arg(env, argv[0], &fd) || napi_get_value_bool(env, argv[1], &v6) != napi_ok || !int_arg(env, argv[2], &min)) return NULL;
  int r = v6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &min, sizeof min) : setsockopt(fd, IPPROTO_IP, IP_MINTTL, &min, sizeof min);
  if (r != 0) return fail(env, v6 ? "IPV6_MINHOPCOUNT" : "IP_MINTTL");
  return NULL;
}

// udpTtl255(v6, address, port): a non-blocking UDP socket bound to address:port (SO_REUSEADDR)
// that drops every datagram whose TTL (hop limit) is not 255 before it is queued. IP_MINTTL
// filters TCP only, and Node cannot report a datagram's TTL, so a socket filter reads it from the
// IP header: offset 8 for IPv4, 7 for IPv6, relative to the network header (SKF_NET_OFF).
static napi_value UdpTtl255(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  bool v6;
  int32_t port;
  void *addr;
  size_t len;
  if (!args(env, info, 3, argv) || napi_get_value_bool(env, argv[0], &v6) != napi_ok || !int_arg(env, argv[2], &port)) return NULL;
  if (napi_get_buffer_info(env, argv[1], &addr, &len) != napi_ok || len != (v6 ? 16u : 4u)) {
    napi_throw_type_error(env, NULL, "address: 4 or 16 bytes");
    return NULL;
  }
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(env, "socket");
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, (uint32_t)(SKF_NET_OFF + (v6 ? 7 : 8))),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 255, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
      BPF_STMT(BPF_RET | BPF_K, 0),
  };
  struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
  int one = 1;
  const char *what = NULL;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) what = "SO_REUSEADDR";
  else if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0) what = "SO_ATTACH_FILTER";
  else if (v6) {
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    memcpy(&sa.sin6_addr, addr, 16);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) what = "bind";
  } else {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    memcpy(&sa.sin_addr, addr, 4);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) what = "bind";
  }
  if (what != NULL) {
    int saved = errno;
    close(fd);
    errno = saved;
    return fail(env, what);
  }
  napi_value r;
  napi_create_int32(env, fd, &r);
  return r;
}

NAPI_MODULE_INIT() {
  const struct { const char *name; napi_callback fn; } fns[] = {
    {"tcpSocket", TcpSocket}, {"closeFd", CloseFd}, {"setMd5", SetMd5}, {"setTtl", SetTtl}, {"setMinTtl", SetMinTtl},
    {"udpTtl255", UdpTtl255},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}
