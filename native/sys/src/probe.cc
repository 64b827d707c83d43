// Linux implementation of the capability probe. Nothing here is cached: the
// answer can change (capabilities dropped, namespaces entered), so the caller
// decides how often to ask.
#include "probe.h"

#include <linux/capability.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "errors.h"
#include "unique-fd.h"

namespace lagoon {
namespace {

// CAP_NET_ADMIN in the effective set, read with the raw capget syscall (no
// libcap). Returns -errno on failure.
int HasEffectiveNetAdmin() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;  // this thread
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) return -errno;
  const unsigned word = CAP_NET_ADMIN / 32;
  const unsigned bit = CAP_NET_ADMIN % 32;
  return (data[word].effective >> bit) & 1u;
}

// Really tries TCP_REPAIR on a fresh TCP socket: on, then off again.
// Returns 0 or an errno value.
int TryTcpRepair() {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errno;
  int on = 1;
  if (setsockopt(fd.get(), IPPROTO_TCP, TCP_REPAIR, &on, sizeof on) != 0) return errno;
  int off = 0;
  if (setsockopt(fd.get(), IPPROTO_TCP, TCP_REPAIR, &off, sizeof off) != 0) return errno;
  return 0;
}

}  // namespace

Napi::Value ProbeCapabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int netAdmin = HasEffectiveNetAdmin();
  if (netAdmin < 0) throw ErrnoError(env, -netAdmin, "capget");

  utsname uts{};
  if (uname(&uts) != 0) throw ErrnoError(env, errno, "uname");

  Napi::Object result = Napi::Object::New(env);
  result.Set("capNetAdmin", Napi::Boolean::New(env, netAdmin == 1));
  const int repairErr = TryTcpRepair();
  result.Set("tcpRepair", Napi::Boolean::New(env, repairErr == 0));
  if (repairErr != 0) result.Set("tcpRepairError", Napi::String::New(env, ErrnoName(repairErr)));
  result.Set("kernelRelease", Napi::String::New(env, uts.release));
  return result;
}

}  // namespace lagoon
