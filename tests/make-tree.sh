# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# make_tree DIR [small]: build a source tree that exercises what an image
# must keep: odd names (spaces, newlines, non-UTF-8, 255 bytes), deep
# nesting past PATH_MAX, a directory of 10,000 entries, empty files, files
# around the inline and block sizes, big sparse files, symlinks, hardlinks,
# xattrs, ACLs, owners, modes and nanosecond mtimes; as root also devices,
# fifos, sockets and trusted.*/security.* xattrs.  "small" leaves out the
# large parts (for quick runs).

make_tree() {
	local d=$1 size=${2:-full} i p
	mkdir -p "$d" || return 1
	(
	set -e
	cd "$d"
	# sizes around the inline limit and the 4 KiB block size
	: >empty
	for n in 1 63 64 65 100 4095 4096 4097 8192 65536; do
		head -c $n /dev/urandom >"size-$n"
	done
	head -c $((1024 * 1024 + 1)) /dev/urandom >mib-plus-one
	printf 'hello world\n' >hello
	printf 'hello world\n' >hello-again # same content, same object
	# sparse: holes with data at both ends and in the middle
	if [ "$size" = full ]; then
		truncate -s 1G sparse-big
		printf 'start' | dd of=sparse-big conv=notrunc status=none
		printf 'middle' | dd of=sparse-big bs=1 seek=$((512 * 1024 * 1024)) conv=notrunc status=none
		printf 'end' | dd of=sparse-big bs=1 seek=$((1024 * 1024 * 1024 - 3)) conv=notrunc status=none
	fi
	truncate -s 100000 sparse-small

	# odd names
	mkdir names
	printf 1 >"names/with space"
	printf 2 >"names/new
line"
	printf 3 >"names/$(printf '\377\376latin1-\351')"
	printf 4 >"names/back\\slash"
	printf 5 >"names/tab	and=equals"
	printf 6 >"names/-dash"
	printf 7 >"names/@at"
	printf 8 >"names/$(printf '%0255d' 0 | tr 0 n)"
	printf 9 >"names/ünïcödé"

	# deep nesting: 60 levels of 80-byte names, well past PATH_MAX
	p=$(printf '%080d' 0 | tr 0 d)
	local depth=60
	[ "$size" = full ] || depth=8
	mkdir deep
	(
		cd deep
		for i in $(seq $depth); do
			mkdir "$p"
			cd "$p"
		done
		printf 'bottom\n' >file
		head -c 5000 /dev/urandom >big
	)

	# a big directory
	mkdir many
	local count=10000
	[ "$size" = full ] || count=300
	(
		cd many
		seq $count | xargs touch
		for i in $(seq 1 50); do
			echo "content $i" >"$i"
			head -c $((4000 + i)) /dev/urandom >"big-$i"
		done
	)

	# symlinks
	ln -s hello rel-link
	ln -s /absolute/target abs-link
	ln -s does/not/exist dangling
	ln -s "$(printf '%01000d' 0 | tr 0 l)" long-link
	mkdir -p links/sub
	ln -s ../../hello links/sub/up

	# hardlinks, also across directories and of a small (inline) file
	head -c 10000 /dev/urandom >hard-a
	ln hard-a hard-b
	ln hard-a links/hard-c
	printf 'tiny\n' >tiny-a
	ln tiny-a links/tiny-b

	# modes, owners, times
	printf x >setuid && chmod 4755 setuid
	# no permission bits at all (only root can still read it)
	printf x >noperm && chmod 000 noperm
	[ "$(id -u)" -eq 0 ] || chmod 400 noperm
	mkdir sticky && chmod 1777 sticky
	printf x >owned && chown 1234:5678 owned 2>/dev/null || true
	touch -h -d '2001-02-03 04:05:06.123456789' hello rel-link
	touch -d '1970-01-01 00:00:00' empty
	touch -d '2038-01-19 03:14:08.5' size-1

	# xattrs and ACLs
	setfattr -n user.one -v value size-100
	setfattr -n user.two -v 0x00ff00 size-100
	setfattr -n user.empty size-4096
	setfattr -n user.dir -v yes names
	setfattr -n user.big -v "$(printf '%0500d' 7)" size-65
	setfacl -m u:1234:r-- size-8192 2>/dev/null || true
	setfacl -d -m g:99:rwx sticky 2>/dev/null || true

	if [ "$(id -u)" -eq 0 ]; then
		mknod chardev c 1 3
		mknod blockdev b 7 0
		mkfifo fifo
		python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' sock 2>/dev/null || true
		setfattr -n trusted.secret -v s hello
		setfattr -n security.label -v l hello 2>/dev/null || true
		chown -h 42:43 rel-link
	fi
	# directory mtimes last, after their contents changed
	touch -d '2010-10-10 10:10:10.101010101' names
	)
}

# oci_rules_by_hand SRC DEST: a copy of the tree SRC with the canonical OCI
# rules applied by hand (docs/oci.md): what an image of SRC's layers must
# show.  /run emptied with /usr's mtime, the root with /usr's owner, mode
# and mtime, only security.capability xattrs kept.
oci_rules_by_hand() {
	cp -a "$1" "$2" || return 1
	find "$2/run" -mindepth 1 -delete 2>/dev/null
	[ -d "$2/run" ] && touch -r "$2/usr" "$2/run"
	chown --reference="$2/usr" "$2"
	chmod --reference="$2/usr" "$2"
	touch -r "$2/usr" "$2"
	python3 - "$2" <<'EOF'
import os, sys
for top, dirs, files in os.walk(sys.argv[1]):
    for name in [top] + [os.path.join(top, f) for f in dirs + files]:
        for x in os.listxattr(name, follow_symlinks=False):
            if x != "security.capability":
                os.removexattr(name, x, follow_symlinks=False)
EOF
}
