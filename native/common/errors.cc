#include "common/errors.h"

namespace theval {

Napi::Error MakeJsError(Napi::Env env, const std::string& code, const std::string& message,
                        const std::string& file) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  if (!file.empty()) err.Set("file", Napi::String::New(env, file));
  return err;
}

void PromiseWorker::Execute() {
  try {
    Run();
  } catch (const Error& e) {
    code_ = e.code();
    file_ = e.file();
    SetError(e.what());
  } catch (const std::bad_alloc&) {
    code_ = "OUT_OF_MEMORY";
    SetError("out of memory");
  } catch (const std::exception& e) {
    code_ = "INTERNAL";
    SetError(e.what());
  }
}

void PromiseWorker::OnOK() {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  Settled();
  try {
    deferred_.Resolve(Result(env));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

void PromiseWorker::OnError(const Napi::Error& e) {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  Settled();
  deferred_.Reject(MakeJsError(env, code_, e.Message(), file_).Value());
}

std::string GetString(const Napi::Object& o, const char* key, const std::string& dflt) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : dflt;
}

double GetNumber(const Napi::Object& o, const char* key, double dflt) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : dflt;
}

bool GetBool(const Napi::Object& o, const char* key, bool dflt) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : dflt;
}

}  // namespace theval
