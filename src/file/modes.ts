/** Access modes of File.Open (MPI-4.0 §14.2.1), with MPICH's and Open MPI's values so amodes read as in C and mpi4py. */
export const MODE_CREATE = 1, MODE_RDONLY = 2, MODE_WRONLY = 4, MODE_RDWR = 8, MODE_DELETE_ON_CLOSE = 16,
  MODE_UNIQUE_OPEN = 32, MODE_EXCL = 64, MODE_APPEND = 128, MODE_SEQUENTIAL = 256;
