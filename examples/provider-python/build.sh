#!/bin/sh
# Install the example Python provider into DEST: the script, as
# DEST/kubelogin-provider-pytokenfile, and Python stubs generated from the
# .proto files, so they always match sdk/proto/provider.proto.
#
#   examples/provider-python/build.sh DEST
#
# PYTHON is the interpreter the provider runs with (default /usr/bin/python3,
# Debian's, which has python3-grpcio and python3-grpc-tools); it becomes the
# script's #! line, since the stubs are generated for its protobuf version.
set -eu
if [ $# -ne 1 ]; then
	echo "usage: $0 DEST" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
dest=$1
python=${PYTHON:-/usr/bin/python3}
if ! "$python" -c 'import grpc, grpc_tools.protoc' 2>/dev/null; then
	echo "$python cannot import grpc and grpc_tools: apt-get install python3-grpcio python3-grpc-tools" >&2
	exit 1
fi
gen=$dest/kubelogin_pytokenfile_gen
mkdir -p "$gen"
"$python" -m grpc_tools.protoc -I "$here/../../sdk/proto" -I "$here/proto" \
	--python_out="$gen" --grpc_python_out="$gen" \
	provider.proto health.proto grpc_controller.proto
{
	echo "#!$python"
	tail -n +2 "$here/kubelogin-provider-pytokenfile"
} > "$dest/kubelogin-provider-pytokenfile.tmp"
chmod 0755 "$dest/kubelogin-provider-pytokenfile.tmp"
mv "$dest/kubelogin-provider-pytokenfile.tmp" "$dest/kubelogin-provider-pytokenfile"
