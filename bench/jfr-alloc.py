#!/usr/bin/env python3
# Allocation samples of a JFR recording (jdk.ObjectAllocationSample), by the first Dualcore frame on the stack and by
# (allocated class, allocating frame), as weight shares. Print the events first, with deep stacks:
#   jfr print --events jdk.ObjectAllocationSample --stack-depth 512 door.jfr > door-alloc.txt
#   bench/jfr-alloc.py door-alloc.txt ["frame every counted sample has"] ["frames,that,exclude,a,sample"]
# e.g. ProxyDoorBenchmark run with -jvmArgsAppend "-XX:FlightRecorderOptions:stackdepth=512
# -XX:StartFlightRecording=settings=profile,filename=door.jfr" (bench/README.md).
import re,sys,collections
text=open(sys.argv[1]).read()
need=sys.argv[2] if len(sys.argv)>2 else 'proxyDoorAllowed()'
excl=sys.argv[3].split(',') if len(sys.argv)>3 else ['ProxyDoorBenchmark.exchange()']
ev=text.split('jdk.ObjectAllocationSample {')[1:]
tot=0; by=collections.Counter(); bydc=collections.Counter()
def w(s):
    v,u=s.split()[:2]; v=float(v); return v*{'bytes':1,'kB':1024,'MB':1048576,'byte':1}.get(u,1)
for e in ev:
    if 'stackTrace = [' not in e: continue
    st=re.findall(r'^\s{4}(\S.*?)(?:\s+line: \d+)?$',e.split('stackTrace = [')[1],re.M)
    s='\n'.join(st)
    if need not in s or any(x in s for x in excl): continue
    cls=re.search(r'objectClass = (\S+)',e).group(1); wt=w(re.search(r'weight = (.*)',e).group(1))
    tot+=wt
    dc=[f for f in st if f.startswith('io.dualcore') and '.bench.' not in f]
    key=(dc[0] if dc else '-')
    bydc[key]+=wt; by[(cls,st[0],key)]+=wt
print('total %.1f MB'%(tot/1048576))
for k,v in bydc.most_common(25): print('%6.2f%% %s'%(100*v/tot,k))
print()
for k,v in by.most_common(40): print('%6.2f%% %s @ %s  [%s]'%(100*v/tot,*k))
