// Socket options Node does not expose, for BGP sessions: TCP-MD5 signatures (RFC 2385) and the
// TTL / minimum-TTL pair of TTL security (RFC 5082). Linux only. Every function takes a raw
// socket descriptor and throws an Error carrying errno's text when the kernel refuses.

#include <errno.h>
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

NAPI_MODULE_INIT() {
  const struct { const char *name; napi_callback fn; } fns[] = {
    {"tcpSocket", TcpSocket}, {"closeFd", CloseFd}, {"setMd5", SetMd5}, {"setTtl", SetTtl}, {"setMinTtl", SetMinTtl},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}
