// Non-Linux stub: no CAP_NET_ADMIN, no TCP_REPAIR.
#include "probe.h"

#include <cerrno>

#include "errors.h"

namespace lagoon {

Napi::Value ProbeCapabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("capNetAdmin", Napi::Boolean::New(env, false));
  result.Set("tcpRepair", Napi::Boolean::New(env, false));
  result.Set("tcpRepairError", Napi::String::New(env, ErrnoName(ENOTSUP)));
  result.Set("kernelRelease", Napi::String::New(env, ""));
  return result;
}

}  // namespace lagoon
