# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# A local registry for the tests and the bench (after tests/lib.sh, or with
# ok/not_ok defined): Debian's docker-registry (the CNCF distribution
# server) on 127.0.0.1, on a free port, with a config written here; never
# any other address.  Every registry started is stopped by stop_registries
# (the caller's EXIT trap), whatever happened.
#
#   start_registry DIR [tls]  start one with its storage in DIR/data; sets
#       REG (127.0.0.1:PORT) and REG_DIR.  With "tls": HTTPS with a
#       certificate for 127.0.0.1 from a test CA made here (DIR/certs/ca.crt,
#       the directory skopeo's --cert-dir takes) and htpasswd basic auth
#       (bcrypt, as the registry requires): user REG_USER, REG_PASS.
#   stop_registries           stop all of them

_reg_pids=()
REG_USER=tester
REG_PASS=secret-$$

_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# the CA, a server certificate for 127.0.0.1 and the htpasswd file
_reg_tls_files() {
	local d=$1
	mkdir -p "$d/certs"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=registry test CA/" \
		-keyout "$d/ca.key" -out "$d/certs/ca.crt" 2>/dev/null || return 1
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1/" \
		-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null || return 1
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		>"$d/ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/certs/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/ext" -out "$d/server.crt" 2>/dev/null ||
		return 1
	htpasswd -Bbn "$REG_USER" "$REG_PASS" >"$d/htpasswd" 2>/dev/null
}

start_registry() {
	local dir=$1 mode=${2:-plain} port try scheme=http i
	mkdir -p "$dir/data"
	REG_DIR=$dir
	if [ "$mode" = tls ]; then
		_reg_tls_files "$dir" || return 1
		scheme=https
	fi
	for try in 1 2 3; do
		port=$(_free_port) || return 1
		{
			echo "version: 0.1"
			echo "log:"
			echo "  level: error"
			echo "  accesslog:"
			echo "    disabled: false"
			echo "storage:"
			echo "  filesystem:"
			echo "    rootdirectory: $dir/data"
			echo "  delete:"
			echo "    enabled: true"
			echo "http:"
			echo "  addr: 127.0.0.1:$port"
			echo "  secret: test-secret"
			if [ "$mode" = tls ]; then
				echo "  tls:"
				echo "    certificate: $dir/server.crt"
				echo "    key: $dir/server.key"
				echo "auth:"
				echo "  htpasswd:"
				echo "    realm: erofs-seal-test"
				echo "    path: $dir/htpasswd"
			fi
		} >"$dir/config.yml"
		docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
		_reg_pids+=($!)
		# up when GET /v2/ answers (200, or 401 with auth)
		for ((i = 0; i < 50; i++)); do
			if curl -s -o /dev/null --cacert "$dir/certs/ca.crt" \
				"$scheme://127.0.0.1:$port/v2/" 2>/dev/null; then
				REG=127.0.0.1:$port
				return 0
			fi
			kill -0 "${_reg_pids[-1]}" 2>/dev/null || break
			sleep 0.1
		done
		kill "${_reg_pids[-1]}" 2>/dev/null
	done
	echo "# docker-registry did not start:" && sed 's/^/#   /' "$dir/log" | tail -5
	return 1
}

stop_registries() {
	local p
	# a killed server's status is no error (for set -e callers)
	for p in "${_reg_pids[@]}"; do
		{ kill "$p" && wait "$p"; } 2>/dev/null || true
	done
	_reg_pids=()
}

# bytes the registry in DIR sent for GETs so far (its access log)
registry_bytes_sent() {
	awk '$6 == "\"GET" && $10 ~ /^[0-9]+$/ { n += $10 } END { print n + 0 }' "$1/log"
}
