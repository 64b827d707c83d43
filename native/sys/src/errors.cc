#include "errors.h"

#include <cstring>

namespace lagoon {

std::string ErrnoName(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char* name = strerrorname_np(err);
  if (name != nullptr) return name;
#endif
  return "E" + std::to_string(err);
}

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall) {
  const std::string name = ErrnoName(err);
  Napi::Error error = Napi::Error::New(env, name + ": " + syscall + " failed: " + std::strerror(err));
  error.Set("code", Napi::String::New(env, name));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

Napi::Error ArgTypeError(Napi::Env env, const std::string& message) {
  Napi::Error error = Napi::TypeError::New(env, "ERR_INVALID_ARG_TYPE: " + message);
  error.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  return error;
}

}  // namespace lagoon
