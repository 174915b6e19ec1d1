/*
 * sched_yield(2) for JavaScript threads. When a job has more ranks than cores, a rank waiting for a peer that
 * has no core of its own must give its core away: sleeping on a futex does that but costs a wake-up through the
 * kernel per wait (about 20 us on a virtual machine), while yielding keeps the cores busy and lets the peer
 * run at once (about 1 us). JavaScript has no way to yield, hence this addon. Optional: without it, waiting
 * ranks sleep.
 */
#include <node_api.h>
#include <sched.h>

static napi_value yield(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  sched_yield();
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "yield", NAPI_AUTO_LENGTH, yield, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "yield", fn) != napi_ok) return NULL;
  return exports;
}
