// Errors that cross into JS with a stable code, a message and the file they concern,
// and the AsyncWorker base every native entry point uses to run off the main thread.
#pragma once

#include <napi.h>

#include <stdexcept>
#include <string>

namespace theval {

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message, std::string file = "")
      : std::runtime_error(message), code_(std::move(code)), file_(std::move(file)) {}
  const std::string& code() const { return code_; }
  const std::string& file() const { return file_; }

 private:
  std::string code_;
  std::string file_;
};

// A JS Error with .code (and .file when known).
Napi::Error MakeJsError(Napi::Env env, const std::string& code, const std::string& message,
                        const std::string& file);

// Runs Run() on a libuv worker thread and settles a promise on the JS thread.
// theval::Error keeps its code; anything else becomes INTERNAL.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  virtual void Run() = 0;
  virtual Napi::Value Result(Napi::Env env) = 0;
  // Called on the JS thread after success or failure (release references, busy flags).
  virtual void Settled() {}

 private:
  void Execute() final;
  void OnOK() final;
  void OnError(const Napi::Error& e) final;

  Napi::Promise::Deferred deferred_;
  std::string code_ = "INTERNAL";
  std::string file_;
};

// Reads a string/number/bool property with a default (validation is the TS layer's job;
// these only guard against crashes when the addon is called directly).
std::string GetString(const Napi::Object& o, const char* key, const std::string& dflt);
double GetNumber(const Napi::Object& o, const char* key, double dflt);
bool GetBool(const Napi::Object& o, const char* key, bool dflt);

}  // namespace theval
