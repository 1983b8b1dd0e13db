# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# What the commands accept as files (issue 8, items 2, 3, 4, 7):
#  - outputs (mkimage IMAGE, sign SIG) are regular files that appear whole
#    or not at all: a device, FIFO, socket, directory or symlink there is
#    refused and left alone, an input is never overwritten, a 255-byte name
#    works, kill -9 leaves no temporary file, the file is fsynced first;
#  - inputs that are not regular files are refused at once, not waited on;
#  - --print-digest with IMAGE '-' keeps the digest out of the image;
#  - an image truncated while `info` reads it gives an error, not SIGBUS;
#  - ENOSPC names the image; a directory given as a dump says so.
. "$TOP/tests/lib.sh"

NOTMP=$BUILD/tests/helpers/no-tmpfile
KEYS=$TOP/keys/make-keys

mkdir src src/sub
printf 'hello\n' >src/a
head -c 100000 /dev/urandom >src/big
printf 'x' >src/sub/c
chmod -R a+rX src
"$ESEAL" mkimage src ref.img
cp ref.img img
"$KEYS" --ec --cn "files test" ec >/dev/null 2>&1
printf 'correct horse\n' >pass
"$KEYS" --ec --ca-dir ec --pass-file pass enc >/dev/null 2>&1
SIGN=("$ESEAL" sign --key ec/signing.key --cert ec/signing.pem)
VERIFY=("$ESEAL" verify -q --cert ec/signing.pem img)

# refused BIN DESCRIPTION PATTERN COMMAND...: exits 1..127 (not a signal, not
# a timeout: every command runs under `timeout 20`) with PATTERN on stderr
refused() {
	local desc=$1 pattern=$2 rc
	shift 2
	timeout 20 "$@" >"$WORK/.out" 2>"$WORK/.err"
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -lt 124 ] && grep -q -- "$pattern" "$WORK/.err"; then
		ok "$desc: $(head -1 "$WORK/.err")"
	else
		not_ok "$desc (exit $rc, want '$pattern')"
		sed 's/^/#   /' "$WORK/.err" | head -5
	fi
}

# one of each file type that must never be replaced by an output
mkdir special
mkfifo special/fifo
mkdir special/dir
ln -s ../img special/link
perl -MSocket -e 'socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die "socket: $!";
	bind($s, pack_sockaddr_un($ARGV[0])) or die "bind: $!"' special/sock
# a device: as root a private node of /dev/full, never the real one
if ! is_root; then
	dev=/dev/full
elif mknod special/full c 1 7 2>/dev/null; then
	dev=special/full
else
	dev=
	skip "cannot make a device node here (mknod)"
	skip "cannot make a device node here (mknod)"
fi
types() { stat -c '%n %F %t:%T' special/* $dev | sort; }
types >types.before

for t in $dev special/fifo special/sock special/dir special/link; do
	refused "mkimage IMAGE $t refused" "refusing to replace" \
		"$ESEAL" mkimage src "$t"
	refused "sign SIG $t refused" "refusing to replace" \
		"${SIGN[@]}" img "$t"
done
types >types.after
check "devices, FIFOs, sockets, directories, symlinks are left as they were" \
	cmp types.before types.after
check "... and the symlink's target is untouched" cmp img ref.img
check "... and nothing was written into the directory" \
	test -z "$(ls -A special/dir)"
refused "IMAGE 'dir/' names a directory" "names a directory" \
	"$ESEAL" mkimage src special/dir/

# an output that is one of the inputs, by device and inode
ln img img.hardlink
cp ec/signing.pem pem.before
cp ec/signing.key key.before
refused "sign IMG IMG refused" "the same file as the input" \
	"${SIGN[@]}" img img
refused "sign IMG <a hardlink of IMG> refused" "the same file as the input" \
	"${SIGN[@]}" img img.hardlink
refused "sign: SIG = the certificate refused" "the same file as the input" \
	"${SIGN[@]}" img ec/signing.pem
refused "sign: SIG = the key refused" "the same file as the input" \
	"${SIGN[@]}" img ec/signing.key
refused "sign: SIG = the passphrase file refused" "the same file as the input" \
	"$ESEAL" sign --key enc/signing.key --cert enc/signing.pem \
	--pass-file pass img pass
refused "mkimage --from-file DUMP DUMP refused" "the same file as the input" \
	sh -c "'$ESEAL' info dump ref.img >d.dump && '$ESEAL' mkimage --from-file d.dump d.dump"
check "the inputs are unchanged" sh -c \
	'cmp img ref.img && cmp ec/signing.pem pem.before &&
	 cmp ec/signing.key key.before && grep -q "correct horse" pass &&
	 test "$(head -c 1 d.dump)" = /'
check "sign --pass-file from a pipe still works" \
	bash -c "'$ESEAL' sign --key enc/signing.key --cert enc/signing.pem \
		--pass-file <(printf 'correct horse\n') img enc.sig"

# a 255-byte name (the longest a directory entry takes), new and replaced
long=$(printf 'i%.0s' $(seq 255))
check "IMAGE with a 255-byte name" "$ESEAL" mkimage src "$long"
check "... replaced by a second run" "$ESEAL" mkimage src "$long"
check "... holds the image" cmp "$long" ref.img
sig=${long%????}.sig
check "SIG with a 255-byte name" "${SIGN[@]}" img "$sig"
check "... replaced by a second run" "${SIGN[@]}" img "$sig"
check "... holds a good signature" "${VERIFY[@]}" "$sig"
refused "a 256-byte name: a clear error" "name too long" \
	"$ESEAL" mkimage src "${long}i"
check "no temporary file left in the directory" \
	test -z "$(ls -A | grep '^\.erofs-seal\.')"

# kill -9 while mkimage runs: its output file is open (mkimage opens it
# before reading the source), yet nothing is visible, before or after.
# The dump comes through a FIFO held open, so mkimage waits mid-run.
kill_test() {
	local tag=$1 pid i seen=
	shift
	rm -rf k && mkdir k && rm -f k.pipe && mkfifo k.pipe
	"$@" "$ESEAL" mkimage --from-file - k/img <k.pipe 2>/dev/null &
	pid=$!
	exec 7>k.pipe
	printf '/ 4096 40755 2 0 0 0 0.0 - - -\n' >&7
	for i in $(seq 200); do
		if ls -l /proc/$pid/fd 2>/dev/null | grep -q "$WORK/k/"; then
			seen=1
			break
		fi
		sleep 0.05
	done
	ls -A k >k.during
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	exec 7>&-
	ls -A k >k.after
	if [ -n "$seen" ]; then ok "$tag: mkimage has its output open mid-run"; else not_ok "$tag: mkimage has its output open mid-run"; fi
}
kill_test "O_TMPFILE"
check "... no file visible in IMAGE's directory while it runs" test ! -s k.during
check "... nor after kill -9" test ! -s k.after

# the fallback where a filesystem has no O_TMPFILE: a short-named file
"$NOTMP" true
if [ $? -eq 77 ]; then
	for i in 1 2 3 4 5 6; do skip "no seccomp filter here for no-tmpfile"; done
else
	kill_test "no O_TMPFILE" "$NOTMP"
	check "... a short-named temporary file instead" \
		grep -qx '\.erofs-seal\.[a-z0-9]\{6\}' k.during
	mkdir nt
	check "no O_TMPFILE: mkimage, new and replaced, 255-byte name" sh -c \
		"'$NOTMP' '$ESEAL' mkimage src nt/$long &&
		 '$NOTMP' '$ESEAL' mkimage src nt/$long && cmp nt/$long ref.img"
	check "no O_TMPFILE: sign" sh -c \
		"'$NOTMP' '$ESEAL' sign --key ec/signing.key --cert ec/signing.pem img nt/s.sig &&
		 '$ESEAL' verify --cert ec/signing.pem img nt/s.sig"
	printf '/ 0 40755 2 0 0 0 0.0 - - -\n/a/../b 0 100644 1 0 0 0 0.0 - - -\n' >bad.dump
	refused "no O_TMPFILE: a failed mkimage" "bad.dump:2" \
		"$NOTMP" "$ESEAL" mkimage --from-file bad.dump nt/bad.img
	check "... leaves no temporary file" test "$(ls -A nt | wc -l)" -eq 2
fi

# without CAP_DAC_READ_SEARCH the O_TMPFILE is linked through /proc
mkdir -p user && chmod 777 user
check "as an unprivileged user: mkimage, new and replaced" as_user sh -c \
	"'$ESEAL' mkimage src user/img && '$ESEAL' mkimage src user/img &&
	 cmp user/img ref.img && test -z \"\$(ls -A user | grep -v '^img\$')\""

# the output is fsynced before it gets its name, for both commands
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
	for c in mkimage sign; do
		rm -f fs.out
		if [ $c = mkimage ]; then
			strace -f -o fs.trace -e trace=fsync,linkat,renameat,renameat2 \
				"$ESEAL" mkimage src fs.out
		else
			strace -f -o fs.trace -e trace=fsync,linkat,renameat,renameat2 \
				"${SIGN[@]}" img fs.out
		fi
		# the fd linked (or the fd of /proc/self/fd/N) was fsynced
		if awk 'match($0, /fsync\([0-9]+\) += 0/) {
				s = substr($0, RSTART + 6); sub(/\).*/, "", s); synced[s] = 1 }
			/linkat\(.*"fs.out".* = 0$/ {
				s = $0; sub(/.*linkat\(/, "", s)
				if (s ~ /^AT_FDCWD, "\/proc\/self\/fd\//) {
					sub(/^AT_FDCWD, "\/proc\/self\/fd\//, "", s); sub(/".*/, "", s)
				} else sub(/,.*/, "", s)
				good = (s in synced) }
			END { exit !good }' fs.trace; then
			ok "$c: the output is fsynced before it is linked into place"
		else
			not_ok "$c: the output is fsynced before it is linked into place"
			sed 's/^/#   /' fs.trace | tail -5
		fi
	done
else
	skip "no strace"
	skip "no strace"
fi

# inputs that are not regular files: refused at once, never waited on
mkfifo in.fifo
refused "mkimage --from-file FIFO" "is a FIFO" \
	"$ESEAL" mkimage --from-file in.fifo fifo.img
refused "mkimage --from-file DIR says so" "src: is a directory" \
	"$ESEAL" mkimage --from-file src dir.img
refused "info dump FIFO" "is a FIFO" "$ESEAL" info dump in.fifo
refused "info measure-file FIFO" "is a FIFO" "$ESEAL" info measure-file in.fifo
refused "digest FIFO" "is a FIFO" "$ESEAL" digest in.fifo
refused "sign IMAGE=FIFO" "is a FIFO" "${SIGN[@]}" in.fifo f.sig
refused "sign --cert FIFO" "is a FIFO" \
	"$ESEAL" sign --key ec/signing.key --cert in.fifo img f.sig
refused "sign --key FIFO" "is a FIFO" \
	"$ESEAL" sign --key in.fifo --cert ec/signing.pem img f.sig
refused "verify SIG=FIFO" "is a FIFO" \
	"$ESEAL" verify --cert ec/signing.pem img in.fifo
refused "verify IMAGE=FIFO" "is a FIFO" \
	"$ESEAL" verify --cert ec/signing.pem in.fifo "$sig"
refused "verify --cert FIFO" "is a FIFO" \
	"$ESEAL" verify --cert in.fifo img "$sig"
refused "verify --ca FIFO" "is a FIFO" \
	"$ESEAL" verify --ca in.fifo img "$sig"
refused "keyring add FIFO" "is a FIFO" \
	"$ESEAL" keyring add --keyring @s in.fifo
refused "mount --signature FIFO" "is a FIFO" \
	"$ESEAL" mount --basedir src --signature in.fifo img mnt
mkdir -p mnt
timeout 20 "$ESEAL" mount --insecure-no-data-verity --rundir "$WORK/run" \
	--basedir src in.fifo mnt >/dev/null 2>"$WORK/.err"
rc=$?
if grep -q "kernel feature missing\|Operation not permitted" "$WORK/.err"; then
	skip "mount stops before opening the image here: $(head -1 "$WORK/.err")"
elif [ $rc -ne 0 ] && [ $rc -lt 124 ] && grep -q "is a FIFO" "$WORK/.err"; then
	ok "mount IMAGE=FIFO: $(head -1 "$WORK/.err")"
else
	not_ok "mount IMAGE=FIFO (exit $rc)"
	sed 's/^/#   /' "$WORK/.err" | head -5
fi
check "nothing was created by the refusals" sh -c \
	'test ! -e fifo.img && test ! -e dir.img && test ! -e f.sig'
check "'-' still reads stdin" sh -c \
	"'$ESEAL' info dump ref.img | '$ESEAL' mkimage --from-file - stdin.img &&
	 cmp stdin.img ref.img"

# --print-digest with IMAGE '-': the image alone on stdout, digest on stderr
"$ESEAL" mkimage --print-digest src - >pd.img 2>pd.err
want=$(fsverity digest pd.img | cut -d' ' -f1)
check "--print-digest SRC - : stdout is exactly the image" cmp pd.img ref.img
check "... a valid image" sh -c "'$ESEAL' info dump pd.img >/dev/null"
check "... and stderr has its fs-verity digest" \
	test "sha256:$(cat pd.err)" = "$want"

# an image truncated and rewritten while `info dump` reads it: an error or
# the old bytes, never a signal (it used to be mapped: SIGBUS)
awk 'BEGIN { print "/ 4096 40755 2 0 0 0 0.0 - - -"
	for (i = 0; i < 50000; i++)
		printf "/file-with-a-longish-name-%06d 0 100644 1 0 0 0 0.0 - - - user.x=%d\n", i, i }' >big.dump
"$ESEAL" mkimage --from-file big.dump big.img
shrink_loop() {
	local bin=$1 tries=$2 i rc deaths=0 errors=0
	cp big.img moving.img
	(while :; do truncate -s 65536 moving.img; cat big.img >moving.img; done) 2>/dev/null &
	local writer=$!
	for i in $(seq "$tries"); do
		"$bin" info dump moving.img >/dev/null 2>"$WORK/.err"
		rc=$?
		[ $rc -ge 128 ] && deaths=$((deaths + 1))
		[ $rc -eq 1 ] && errors=$((errors + 1))
	done
	kill $writer
	wait $writer 2>/dev/null
	echo "$deaths $errors"
}
set -- $(shrink_loop "$ESEAL" 30)
if [ "$1" -eq 0 ]; then
	ok "info dump of an image truncated meanwhile: no signal death in 30 tries ($2 errors)"
else
	not_ok "info dump of an image truncated meanwhile: $1 signal deaths in 30 tries"
fi
truncate -s $((1024 * 1024 * 1024 + 1)) huge.img
refused "an image over 1 GiB: a clear error" "huge.img: larger than 1073741824 bytes" \
	"$ESEAL" info dump huge.img
rm -f huge.img

# ENOSPC while writing the image names the image; nothing is left
if is_root && mkdir tiny && mount -t tmpfs -o size=256k tmpfs tiny; then
	trap 'umount tiny 2>/dev/null' EXIT
	refused "ENOSPC names the image" "tiny/out.img: .*No space left" \
		"$ESEAL" mkimage --from-file big.dump tiny/out.img
	check "... and leaves nothing behind" test -z "$(ls -A tiny)"
	if [ -x "$NOTMP" ] && "$NOTMP" true; then
		refused "ENOSPC without O_TMPFILE" "tiny/out.img: .*No space left" \
			"$NOTMP" "$ESEAL" mkimage --from-file big.dump tiny/out.img
		check "... leaves no temporary file either" test -z "$(ls -A tiny)"
	else
		skip "no seccomp filter here for no-tmpfile"
		skip "no seccomp filter here for no-tmpfile"
	fi
	umount tiny
else
	for i in 1 2 3 4; do skip "ENOSPC test: cannot mount a small tmpfs (needs root)"; done
fi

# the same paths under ASan+UBSan
if [ -x "${ESEAL_ASAN:-}" ]; then
	A=$ESEAL_ASAN
	refused "asan: IMAGE FIFO refused" "refusing to replace" \
		"$A" mkimage src special/fifo
	check "asan: mkimage, new and replaced" sh -c \
		"'$A' mkimage src asan.img && '$A' mkimage src asan.img &&
		 cmp asan.img ref.img"
	refused "asan: sign IMG IMG refused" "the same file as the input" \
		"$A" sign --key ec/signing.key --cert ec/signing.pem img img
	check "asan: sign" sh -c \
		"'$A' sign --key ec/signing.key --cert ec/signing.pem img asan.sig &&
		 '$A' verify --cert ec/signing.pem img asan.sig"
	refused "asan: verify --cert FIFO" "is a FIFO" \
		"$A" verify --cert in.fifo img asan.sig
	refused "asan: info dump FIFO" "is a FIFO" "$A" info dump in.fifo
	refused "asan: keyring add FIFO" "is a FIFO" \
		"$A" keyring add --keyring @s in.fifo
	check "asan: --print-digest SRC -" sh -c \
		"'$A' mkimage --print-digest src - >asan-pd.img 2>asan-pd.err &&
		 cmp asan-pd.img ref.img && cmp asan-pd.err pd.err"
	set -- $(shrink_loop "$A" 10)
	if [ "$1" -eq 0 ]; then
		ok "asan: info dump of an image truncated meanwhile (10 tries)"
	else
		not_ok "asan: info dump of an image truncated meanwhile: $1 deaths"
	fi
else
	for i in 1 2 3 4 5 6 7 8 9; do skip "no ASan build at \$ESEAL_ASAN"; done
fi

done_testing
