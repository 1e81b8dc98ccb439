# kssh top-level build. Output under build/ (build/asan with SANITIZE=1).
#   make            build everything
#   make check      install deps, build, run every test (summary: N passed, N failed)
#   make run        install deps, build, run ksshd on 127.0.0.1:2222 in the foreground
#   make vm-check   the tests that need Debian's own kernel (AF_ALG, kernel/), in qemu
#   make kmod       the kernel module (kernel/), against that kernel's headers
#   make fuzz       every libFuzzer harness for FUZZ_SECONDS (60) each
#   make SANITIZE=1 check   the same tests under AddressSanitizer + UBSan

CC      ?= cc
ifeq ($(SANITIZE),1)
BUILD   ?= build/asan
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT      = -O1
else
BUILD   ?= build
SANFLAGS =
OPT      = -O2
endif

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
CPPFLAGS = -Iinclude -Iuserspace/lib -Iuserspace/common -Iuserspace/ssh -Iuserspace/sftp -D_GNU_SOURCE
CFLAGS   = -std=gnu11 $(OPT) -g $(WARN) $(SANFLAGS) -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC
LDFLAGS  = $(SANFLAGS)
LDLIBS   = -lssl -lcrypto -l:liburing.a

LIB_SRC  = $(shell find userspace/lib -name '*.c' | sort)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      = $(BUILD)/libkssh.a

SSHD_SRC = $(wildcard userspace/sshd/*.c)
SSH_SRC  = $(wildcard userspace/ssh/*.c)
COMMON_SRC = $(wildcard userspace/common/*.c)
# -V: every program's version line (the build id from git, when there is one)
VERSION_OBJ = $(BUILD)/userspace/version/kssh_version.o
BUILD_ID := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
COMMON_OBJ = $(COMMON_SRC:%.c=$(BUILD)/%.o)

UNIT_SRC = $(wildcard selftests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:selftests/unit/%.c=$(BUILD)/selftests/unit/%)
BPF_TEST_SRC = $(wildcard selftests/bpf/test_*.c)
BPF_TEST_BIN = $(BPF_TEST_SRC:selftests/bpf/%.c=$(BUILD)/selftests/bpf/%)
HOSTILE_BIN = $(BUILD)/selftests/interop/hostile_peer $(BUILD)/selftests/interop/hostile_server \
             $(BUILD)/selftests/interop/pq_tool
# the constant-time check's program: the KEMs built for valgrind (never with sanitizers)
CT_BIN = $(BUILD)/selftests/ct/pq_ct
VM_TEST_BIN = $(BUILD)/selftests/vm/kmod_ulp_test $(BUILD)/selftests/vm/flip_proxy
PAM_TEST_MODULE = $(BUILD)/selftests/pam/pam_kssh_test_otp.so
# ksshd whose pre-authentication process tries open("/etc/shadow") after the key exchange: the sandbox test's (never installed)
SANDBOX_PROBE = $(BUILD)/selftests/interop/ksshd-sandbox-probe

SFTP_SERVER_SRC = userspace/sftp/sftp_server_main.c
KSFTP_SRC = userspace/sftp/ksftp.c userspace/sftp/sftp_channel.c userspace/sftp/sftp_files.c
# what every client shares with kssh: options, connection, authentication, known_hosts
CLIENT_SRC = $(filter-out userspace/ssh/main.c userspace/ssh/session.c userspace/ssh/forward.c userspace/ssh/socks.c,$(SSH_SRC))

KSCP_SRC = userspace/scp/kscp.c userspace/sftp/sftp_channel.c userspace/sftp/sftp_files.c

# The LPTS data plane: BPF objects and skeletons generated at build time from the running kernel's BTF
BPF_SRC = $(wildcard bpf/*.bpf.c)
BPF_OBJ = $(BPF_SRC:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_SKEL = $(BPF_SRC:bpf/%.bpf.c=$(BUILD)/bpf/%.skel.h)
DATAPLANE_SRC = $(wildcard userspace/dataplane/*.c)
DATAPLANE_OBJ = $(DATAPLANE_SRC:%.c=$(BUILD)/%.o)
# Linked in, not loaded: ksshd re-executes itself for every connection, and each
# shared library costs that exec its mapping and symbol lookups (these six took
# about 0.5 ms of a login's 8.8 ms). OpenSSL and PAM stay shared: their fixes
# must reach ksshd without a rebuild, and PAM modules bind to libpam.so; so does
# libcrypt, which pam_unix loads anyway (and whose crypt() the sanitizers'
# interceptors must find already loaded).
BPF_LIBS = -l:libbpf.a -l:libelf.a -l:libz.a -l:libnl-route-3.a -l:libnl-3.a -lm
SECCOMP_LIB = -l:libseccomp.a
CRYPT_LIB = -lcrypt
CTL_SRC = $(wildcard userspace/ctl/*.c)

BINS = $(BUILD)/ksshd $(BUILD)/kssh $(BUILD)/ksftp-server $(BUILD)/ksftp $(BUILD)/kscp $(BUILD)/ksshctl \
       $(BUILD)/tools/lpts-prog-bench

.PHONY: FORCE all deps check run unit fuzz fuzz-build clean vm-check kmod install uninstall programs
all: $(BINS) $(UNIT_BIN) $(BPF_TEST_BIN) $(HOSTILE_BIN) $(CT_BIN) $(PAM_TEST_MODULE) $(VM_TEST_BIN) $(SANDBOX_PROBE)

# the installed programs alone (what the Debian package builds)
programs: $(BINS)

deps:
	@./tools/install-deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bpf/vmlinux.h:
	@mkdir -p $(dir $@)
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/lpts_parse.h include/kssh/lpts.h $(BUILD)/bpf/vmlinux.h
	@echo "  BPF $<"
	@clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I$(BUILD)/bpf -Iinclude -Ibpf -Wall -Werror -c $< -o $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	bpftool gen skeleton $< > $@.tmp && mv $@.tmp $@

$(VERSION_OBJ): CPPFLAGS += -DKSSH_BUILD_ID='"$(BUILD_ID)"'
# the build id is rewritten only when it changes, and the version object follows it
$(BUILD)/build-id: FORCE
	@mkdir -p $(dir $@)
	@echo '$(BUILD_ID)' | cmp -s - $@ || echo '$(BUILD_ID)' > $@
$(VERSION_OBJ): $(BUILD)/build-id
FORCE:

$(DATAPLANE_OBJ): $(BPF_SKEL)
$(DATAPLANE_OBJ): CPPFLAGS += -I$(BUILD)/bpf -Iuserspace/dataplane -I/usr/include/libnl3

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/ksshd: $(SSHD_SRC:%.c=$(BUILD)/%.o) $(COMMON_OBJ) $(LIB) $(DATAPLANE_OBJ) $(VERSION_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lpam $(CRYPT_LIB) -lutil $(SECCOMP_LIB) $(BPF_LIBS)

$(SSHD_SRC:%.c=$(BUILD)/%.o): CPPFLAGS += -Iuserspace/dataplane

$(BUILD)/selftests/interop/session_probe.o: userspace/sshd/session.c
	@mkdir -p $(dir $@)
	@echo "  CC $< (sandbox probe)"
	@$(CC) $(CPPFLAGS) -Iuserspace/dataplane -DKSSHD_SANDBOX_PROBE $(CFLAGS) -MMD -MP -c $< -o $@

$(SANDBOX_PROBE): $(filter-out $(BUILD)/userspace/sshd/session.o,$(SSHD_SRC:%.c=$(BUILD)/%.o)) \
		$(BUILD)/selftests/interop/session_probe.o $(COMMON_OBJ) $(LIB) $(DATAPLANE_OBJ) $(VERSION_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lpam $(CRYPT_LIB) -lutil $(SECCOMP_LIB) $(BPF_LIBS)

$(BUILD)/kssh: $(SSH_SRC:%.c=$(BUILD)/%.o) $(COMMON_OBJ) $(LIB) $(DATAPLANE_OBJ) $(VERSION_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lutil $(BPF_LIBS)

$(BUILD)/ksftp: $(KSFTP_SRC:%.c=$(BUILD)/%.o) $(CLIENT_SRC:%.c=$(BUILD)/%.o) $(COMMON_OBJ) $(LIB) $(DATAPLANE_OBJ) $(VERSION_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lutil $(BPF_LIBS)

$(BUILD)/kscp: $(KSCP_SRC:%.c=$(BUILD)/%.o) $(CLIENT_SRC:%.c=$(BUILD)/%.o) $(COMMON_OBJ) $(LIB) $(DATAPLANE_OBJ) $(VERSION_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lutil $(BPF_LIBS)

$(CLIENT_SRC:%.c=$(BUILD)/%.o): CPPFLAGS += -Iuserspace/dataplane

$(BPF_TEST_SRC:%.c=$(BUILD)/%.o): $(BPF_SKEL)
$(BPF_TEST_SRC:%.c=$(BUILD)/%.o): CPPFLAGS += -I$(BUILD)/bpf
$(BUILD)/selftests/bpf/%: $(BUILD)/selftests/bpf/%.o
	$(CC) $(LDFLAGS) -o $@ $^ $(BPF_LIBS)

$(BUILD)/tools/lpts_prog_bench.o: $(BPF_SKEL)
$(BUILD)/tools/lpts_prog_bench.o: CPPFLAGS += -I$(BUILD)/bpf -Iselftests/bpf
$(BUILD)/tools/lpts-prog-bench: $(BUILD)/tools/lpts_prog_bench.o
	$(CC) $(LDFLAGS) -o $@ $^ $(BPF_LIBS)

$(BUILD)/ksshctl: $(CTL_SRC:%.c=$(BUILD)/%.o) $(DATAPLANE_OBJ) $(VERSION_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(BPF_LIBS) -lcrypto

$(CTL_SRC:%.c=$(BUILD)/%.o): CPPFLAGS += -Iuserspace/dataplane

$(BUILD)/ksftp-server: $(SFTP_SERVER_SRC:%.c=$(BUILD)/%.o) $(LIB) $(VERSION_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/selftests/unit/%: $(BUILD)/selftests/unit/%.o $(COMMON_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the monitor with what it calls (the daemon's objects but main and the session)
MONITOR_TEST_OBJ = $(addprefix $(BUILD)/userspace/sshd/,monitor.o monitor_wire.o monitor_client.o auth_pubkey.o auth_cert.o \
	auth_x509.o auth_password.o auth_aaa.o aaa.o aaa_servers.o pam.o user.o report.o config.o config_x509.o config_aaa.o preauth_limits.o) $(BUILD)/userspace/dataplane/lpts_config.o
$(BUILD)/selftests/unit/test_monitor: $(BUILD)/selftests/unit/test_monitor.o $(MONITOR_TEST_OBJ) $(COMMON_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lpam -lcrypt
$(BUILD)/selftests/unit/test_monitor.o: CPPFLAGS += -Iuserspace/sshd -Iuserspace/dataplane

# run inside the VM, against kernel/
$(BUILD)/selftests/vm/kmod_ulp_test: $(BUILD)/selftests/vm/kmod_ulp_test.o $(BUILD)/selftests/vm/kmod_ulp_tx_test.o \
		$(BUILD)/selftests/vm/kmod_ulp_rx_test.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/selftests/vm/flip_proxy: $(BUILD)/selftests/vm/flip_proxy.o
	$(CC) $(LDFLAGS) -o $@ $^

$(BUILD)/selftests/interop/hostile_peer: $(BUILD)/selftests/interop/hostile_peer.o $(BUILD)/selftests/interop/hostile_keyswap.o $(COMMON_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(CT_BIN): selftests/ct/pq_ct.c userspace/lib/kex/mlkem768.c userspace/lib/kex/sntrup761.c userspace/lib/kex/kex_pq.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DKSSH_CT_CHECK -std=gnu11 -O2 -g $(WARN) -o $@ $(filter %.c,$^) -lcrypto

$(BUILD)/selftests/interop/pq_tool: $(BUILD)/selftests/interop/pq_tool.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/selftests/interop/hostile_server: $(BUILD)/selftests/interop/hostile_server.o $(COMMON_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(PAM_TEST_MODULE): selftests/pam/pam_kssh_test_otp.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -o $@ $< -lpam

# libFuzzer harnesses: always built with clang, ASan and UBSan; the sources they share compiled once
FUZZ_SRC = $(wildcard tools/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tools/fuzz/%.c=build/fuzz/%)
FUZZ_CFLAGS = $(CPPFLAGS) -Iuserspace/sshd -Iuserspace/dataplane -Itools/fuzz -std=gnu11 -g -O1 \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined $(WARN)
# the configuration language lives in the daemon: its parser and lpts' with it
FUZZ_CONFIG_SRC = userspace/sshd/config.c userspace/sshd/config_print.c userspace/sshd/config_x509.c userspace/sshd/config_aaa.c userspace/sshd/preauth_limits.c userspace/dataplane/lpts_config.c userspace/common/log.c
# the monitor's requests: the monitor and what it calls, PAM replaced by the harness's refusing stubs
FUZZ_MONITOR_SRC = $(FUZZ_CONFIG_SRC) $(addprefix userspace/sshd/,monitor.c monitor_wire.c monitor_client.c \
	auth_pubkey.c auth_cert.c auth_x509.c auth_password.c auth_aaa.c aaa.c aaa_servers.c pam.c user.c report.c) $(addprefix userspace/common/,conn_io.c conn_kernel.c)
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=build/fuzz/obj/%.o)
build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $< (fuzz)"
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
build/fuzz/%: tools/fuzz/%.c $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
build/fuzz/fuzz_config: tools/fuzz/fuzz_config.c $(FUZZ_CONFIG_SRC:%.c=build/fuzz/obj/%.o) $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
build/fuzz/fuzz_monitor: tools/fuzz/fuzz_monitor.c tools/fuzz/pam_refuse.c $(FUZZ_MONITOR_SRC:%.c=build/fuzz/obj/%.o) \
		$(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) -lcrypt
# ssh-userauth as the pre-authentication process parses it, its monitor in a thread
build/fuzz/fuzz_userauth: tools/fuzz/fuzz_userauth.c tools/fuzz/pam_refuse.c \
		$(FUZZ_MONITOR_SRC:%.c=build/fuzz/obj/%.o) build/fuzz/obj/userspace/sshd/auth.o $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) -lcrypt -lpthread
fuzz-build: $(FUZZ_BIN)
# every fuzzer for FUZZ_SECONDS (60) from the committed seeds; make check runs them for 5 s
FUZZ_SECONDS ?= 60
fuzz: fuzz-build
	@for f in $(FUZZ_BIN); do ./selftests/fuzz_run.sh $$f $(FUZZ_SECONDS) || exit 1; done

# the VM tests start as soon as the binaries and the module are built; the fuzzers are built beside them (run.sh)
check: deps
	$(MAKE) -j$$(nproc) all kmod
	BUILD=$(BUILD) MAKE="$(MAKE)" ./selftests/run.sh

# kernel/: the TCP ULP module, against the VM kernel's own headers (Debian 12's linux-headers, unpacked under build/vm)
kmod:
	@hdr=$$(BUILD=$(BUILD) ./selftests/vm/build-vm.sh --headers) && $(MAKE) -C "$$hdr" M=$(CURDIR)/kernel modules

# the VM test bed alone: Debian 12's kernel under qemu (selftests/vm/)
vm-check: deps
	$(MAKE) all kmod
	BUILD=$(BUILD) ./selftests/vm/test_vm.sh

run: deps
	$(MAKE) all
	./tools/run-ksshd.sh $(BUILD)

# make install [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=/etc]: the FHS places
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR      = $(PREFIX)/bin
SBINDIR     = $(PREFIX)/sbin
LIBEXECDIR  = $(PREFIX)/lib/kssh
# Debian 12's debhelper enables only units under /lib/systemd/system (debian/rules says so)
UNITDIR    ?= $(PREFIX)/lib/systemd/system
DATADIR     = $(PREFIX)/share/kssh
COMPLDIR    = $(PREFIX)/share/bash-completion/completions
MANDIR      = $(PREFIX)/share/man
MANUALS     = $(wildcard packaging/man/*.[158])
INSTALLED   = $(SBINDIR)/ksshd $(SBINDIR)/ksshctl $(BINDIR)/kssh $(BINDIR)/ksftp $(BINDIR)/kscp \
              $(LIBEXECDIR)/ksftp-server $(UNITDIR)/ksshd.service $(DATADIR)/ksshd-hardening.conf \
              $(COMPLDIR)/kssh $(COMPLDIR)/ksftp $(COMPLDIR)/kscp $(COMPLDIR)/ksshctl \
              $(foreach m,$(MANUALS),$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
install: $(BINS)
	install -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(UNITDIR)
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/kssh
	install -m 0755 $(BUILD)/ksshd $(BUILD)/ksshctl $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(BUILD)/kssh $(BUILD)/ksftp $(BUILD)/kscp $(DESTDIR)$(BINDIR)/
	install -m 0755 $(BUILD)/ksftp-server $(DESTDIR)$(LIBEXECDIR)/
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' packaging/ksshd.service.in \
		>$(DESTDIR)$(UNITDIR)/ksshd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/ksshd.service
	install -d -m 0755 $(DESTDIR)$(DATADIR)
	install -m 0644 packaging/ksshd-hardening.conf $(DESTDIR)$(DATADIR)/
	install -d -m 0755 $(DESTDIR)$(COMPLDIR)
	install -m 0644 packaging/bash-completion/kssh $(DESTDIR)$(COMPLDIR)/kssh
	for p in ksftp kscp ksshctl; do ln -sf kssh $(DESTDIR)$(COMPLDIR)/$$p; done
	for m in $(MANUALS); do s=$${m##*.}; install -d -m 0755 $(DESTDIR)$(MANDIR)/man$$s && \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	@# the example configuration: never over an administrator's own
	[ -e $(DESTDIR)$(SYSCONFDIR)/kssh/kssh.conf ] || \
		install -m 0600 packaging/kssh.conf.example $(DESTDIR)$(SYSCONFDIR)/kssh/kssh.conf

# the programs and the unit; the configuration and host keys in SYSCONFDIR/kssh stay (they are the administrator's)
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR) 2>/dev/null

clean:
	rm -rf build
	rm -f kernel/*.o kernel/*.ko kernel/*.mod kernel/*.mod.c kernel/.*.cmd kernel/Module.symvers kernel/modules.order

-include $(shell find $(BUILD) \( -name '*-root' -o -name noble \) -prune -o -type f -name '*.d' -print 2>/dev/null)
