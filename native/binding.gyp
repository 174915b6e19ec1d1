# Built by native/install.mjs, which probes the MPI compiler wrapper and passes its flags through the
# environment (MPI4TS_GYP_*). Run `node native/install.mjs` (or `npm rebuild mpi4ts`) rather than node-gyp.
{
  "targets": [
    {
      "target_name": "mpi4ts_native",
      "sources": ["mpi4ts_native.cc"],
      "include_dirs": [
        "<!(node -p \"process.env.MPI4TS_GYP_NAPI_INCLUDE || ''\")",
        "<!@(node -p \"process.env.MPI4TS_GYP_INCLUDES || ''\")"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "OMPI_SKIP_MPICXX=1", "MPICH_SKIP_MPICXX=1", "<!@(node -p \"process.env.MPI4TS_GYP_DEFINES || ''\")"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2", "<!@(node -p \"process.env.MPI4TS_GYP_CFLAGS || ''\")"],
      "libraries": ["<!@(node -p \"process.env.MPI4TS_GYP_LIBS || ''\")"],
      "ldflags": ["<!@(node -p \"process.env.MPI4TS_GYP_LDFLAGS || ''\")"]
    }
  ]
}
