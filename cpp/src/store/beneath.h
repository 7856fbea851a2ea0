// Opening paths beneath a root directory so that no name, `..` or symlink can lead outside it.
// Uses Linux's openat2(RESOLVE_BENEATH) (symlinks that stay inside the root still work); on
// kernels without it, walks the path one component at a time refusing every symlink.
#pragma once

#include <sys/types.h>

#include <string>

namespace hub::store {

// Like openat(root_fd, relative, flags, mode), but fails with errno EXDEV (or ELOOP) for any
// path that would resolve outside root_fd. Returns the new descriptor or -1.
int OpenBeneath(int root_fd, const std::string& relative, int flags, mode_t mode = 0);

// Opens the folder holding `relative` (a path with at least one '/' or a bare name, whose
// folder is the root itself), creating missing folders when `create` is set. Returns the
// descriptor or -1 with errno set; a bare name returns a duplicate of root_fd.
int OpenParentBeneath(int root_fd, const std::string& relative, bool create);

// The last component of `relative`.
std::string BaseName(const std::string& relative);

}  // namespace hub::store
