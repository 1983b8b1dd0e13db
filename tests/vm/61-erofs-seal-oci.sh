# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# An image that `erofs-seal oci pull` wrote (issue 11, test 4): sealed on
# the host, pushed to a local registry and pulled into an empty store by
# kernel-patches/test/mkfixtures.  Here `erofs-seal mount` mounts it with
# the kernel's signature check ("signed" among the EROFS layer's super
# options), every file reads back intact through the verity=require
# overlay, and IPE's erofs_signature=TRUE policy lets its program run.
# Needs /bin/erofs-seal in the initramfs and signer.der in .erofs.
. /lib.sh

E=/bin/erofs-seal
if [ ! -x $E ]; then
	skip "erofs-seal oci pull: no /bin/erofs-seal in the initramfs"
	exit 0
fi
if [ -f $FX/oci.failed ]; then
	not_ok "erofs-seal oci pull: $(cat $FX/oci.failed)"
	exit 0
fi
if [ ! -f $FX/oci.erofs ]; then
	skip "erofs-seal oci pull: no pulled image (mkfixtures needs erofs-seal, umoci, skopeo)"
	exit 0
fi
diag "the pulled image came from $(cat $FX/oci.source)"
vmtool add-key .erofs $FX/signer.der >/dev/null 2>&1
check "fs-verity on the pulled image and its objects" \
	vmtool enable-verity $FX/oci.erofs $FX/oci-objects/??/*
mkdir -p /run /scratch/priv
m=$(mnt oci)
if ! $E mount --json --basedir $FX/oci-objects --private-dir /scratch/priv \
	--signature $FX/oci.erofs.sig --require-signature $FX/oci.erofs $m \
	>/tmp/j 2>/tmp/e; then
	not_ok "the pulled image mounts with its signature: $(cat /tmp/e)"
	exit 0
fi
case "$(cat /tmp/j)" in
*'"mode":"kernel"'*'"kernel_signed":true'*)
	ok "the pulled image mounts, its signature checked by the kernel" ;;
*) not_ok "the pulled image mounts, its signature checked by the kernel: $(cat /tmp/j)" ;;
esac
layer=$(sed -n 's/.*"layer":"\([^"]*\)".*/\1/p' /tmp/j)
case ",$(super_opts $layer)," in
*,signed,*) ok "'signed' in the EROFS layer's mountinfo" ;;
*) not_ok "'signed' in the EROFS layer's mountinfo: $(super_opts $layer)" ;;
esac
check "every file of the pulled image reads back intact (verity=require)" \
	sh -c "cd $m && sha256sum -c -s $FX/oci-tree.sha256"

# IPE: only programs from signed images run
# (a policy of its own: IPE activates none older than the active one)
p=/sys/kernel/security/ipe/policies/erofs_sig_oci
if [ ! -d $p ] && ! cat $FX/erofs_sig_oci.p7s >/sys/kernel/security/ipe/new_policy; then
	not_ok "load the erofs_signature IPE policy"
elif ! echo 1 >$p/active; then
	not_ok "activate the erofs_signature IPE policy"
else
	runs_hello "IPE erofs_signature=TRUE: a program of the pulled image runs" \
		$m/usr/bin/hello
	uns=$(mnt oci-unsigned)
	if vmtool mount-erofs $FX/noverity.erofs $uns; then
		check_err EACCES "... and one of an unsigned image does not" \
			vmtool exec $uns/bin/hello
		umount $uns
	fi
fi
check "umount" $E umount $m
