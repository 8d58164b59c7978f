# Helpers for guest scenarios; sourced by init.
#
# Every check prints one marker line the host parses:
#   oxdma: result <scenario>/<step> ok|fail [detail]

# step NAME CMD [ARGS...]: run CMD, print its output, then the marker.
step() {
	_name=$1
	shift
	if "$@"; then
		echo "oxdma: result $scenario/$_name ok"
	else
		echo "oxdma: result $scenario/$_name fail (exit $?)"
	fi
}

