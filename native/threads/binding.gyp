# Built by native/install.mjs (no MPI needed): node-gyp in a staging directory, then copied to build/Release.
{
  "targets": [
    {
      "target_name": "mpi4ts_threads",
      "sources": ["threads.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2"]
    }
  ]
}
