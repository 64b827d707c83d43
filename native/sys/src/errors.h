// Coded errors for the system addon. Every error thrown to JavaScript carries
// `.code`: an errno name ("EPERM") for system-call failures, or a Lagoon code
// for misuse. `ts/core/native-errors.ts` maps them onto LagoonError codes.
#pragma once

#include <napi.h>

#include <string>

namespace lagoon {

// The symbolic name of an errno value ("EPERM"), or "E<number>" if unknown.
std::string ErrnoName(int err);

// An Error with .code = errno name, .errno = err, .syscall = syscall.
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall);

// A TypeError with .code = "ERR_INVALID_ARG_TYPE".
Napi::Error ArgTypeError(Napi::Env env, const std::string& message);

}  // namespace lagoon
