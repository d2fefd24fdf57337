#pragma once
// libssh2, the ssh backend of Debian's libgit2: EnpireFleet reads known_hosts files with its knownhost API
// (plain and hashed host names, [host]:port entries) to check a remote's host key.
#include <libssh2.h>
