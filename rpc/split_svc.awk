# split_svc.awk - split rpcgen's -m output (every program's dispatcher in
# one file) into one file per program, OUTDIR/svc_NAME.c, so that a daemon
# links only the dispatchers of the programs it serves (a static library
# pulls in whole objects).  Usage: awk -v outdir=DIR -f split_svc.awk FILE
/^void$/ { getline name; split(name, p, "("); out = outdir "/svc_" p[1] ".c";
	printf "%s", header > out; print "void" > out; print name > out; next }
out == "" { header = header $0 "\n"; next }
{ print > out }
