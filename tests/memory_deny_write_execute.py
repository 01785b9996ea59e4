"""systemd's MemoryDenyWriteExecute=yes, for a test process: the seccomp filter systemd 252
(Debian 12, Raspberry Pi OS Bookworm) installs, through libseccomp, which systemd itself uses.

Refused with EPERM: mmap of memory both writable and executable, mprotect or pkey_mprotect
that makes memory executable, and shmat of executable shared memory.
"""

from __future__ import annotations

import ctypes
import ctypes.util

PROT_WRITE, PROT_EXEC, SHM_EXEC = 0x2, 0x4, 0o100000
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO_EPERM = 0x00050000 | 1
SCMP_CMP_MASKED_EQ = 7
# (system call, the argument bits that must not all be set)
REFUSED = [("mmap", PROT_WRITE | PROT_EXEC), ("mmap2", PROT_WRITE | PROT_EXEC), ("mprotect", PROT_EXEC),
           ("pkey_mprotect", PROT_EXEC), ("shmat", SHM_EXEC)]


class _ArgumentCheck(ctypes.Structure):  # struct scmp_arg_cmp
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


def libseccomp() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("seccomp")
    return ctypes.CDLL(name) if name else None


def deny_write_execute() -> None:
    """Install the filter in this process (and its future children), for good."""
    library = libseccomp()
    library.seccomp_init.restype = ctypes.c_void_p
    library.seccomp_init.argtypes = [ctypes.c_uint32]
    library.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    library.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                               ctypes.POINTER(_ArgumentCheck)]
    library.seccomp_load.argtypes = [ctypes.c_void_p]
    context = library.seccomp_init(SCMP_ACT_ALLOW)
    for name, bits in REFUSED:
        number = library.seccomp_syscall_resolve_name(name.encode())
        if number < 0:  # not a system call on this architecture (mmap2 on 64-bit ones)
            continue
        check = _ArgumentCheck(2, SCMP_CMP_MASKED_EQ, bits, bits)  # the third argument: prot or shmflg
        if library.seccomp_rule_add_array(context, SCMP_ACT_ERRNO_EPERM, number, 1, ctypes.byref(check)) != 0:
            raise OSError(f"libseccomp refused the rule for {name}")
    if library.seccomp_load(context) != 0:
        raise OSError("libseccomp could not load the filter")
