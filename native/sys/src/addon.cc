// Module registration for lagoon-sys. One file per concern (probe.cc, later
// tcp-repair.cc); this file only wires exports.
#include <napi.h>

#include "errors.h"
#include "probe.h"

namespace lagoon {
namespace {

// Test hook: throws the coded error for an errno value, so tests can check
// that errors crossing from C++ carry `.code`.
Napi::Value TestThrowErrno(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw ArgTypeError(env, "errno must be a number");
  throw ErrnoError(env, info[0].As<Napi::Number>().Int32Value(), "_testThrowErrno");
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("probeCapabilities", Napi::Function::New(env, ProbeCapabilities, "probeCapabilities"));
  exports.Set("_testThrowErrno", Napi::Function::New(env, TestThrowErrno, "_testThrowErrno"));
  return exports;
}

}  // namespace
}  // namespace lagoon

// NODE_API_MODULE pastes the name into an identifier, so no namespace here.
static Napi::Object InitLagoonSys(Napi::Env env, Napi::Object exports) {
  return lagoon::Init(env, exports);
}

NODE_API_MODULE(lagoon_sys, InitLagoonSys)
