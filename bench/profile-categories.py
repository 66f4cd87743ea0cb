#!/usr/bin/env python3
# Per-request CPU by category from two async-profiler "collapsed" CPU profiles of the same load (bench/results/
# 2026-11-28-profile-shipped-vs-bare.md says how they were taken).
# usage: bench/profile-categories.py A.collapsed B.collapsed A_rps B_rps   (profiles of 30 s at 1 ms CPU samples)
# A stack counts in the first category whose pattern it contains, in the order below.
import sys, collections
cats=[('jit','CompileBroker'),('gc','GCTaskThread|VMThread|G1|Serial'),
('crypto-p256','intpoly'),('assertion','IdentityAssertionSigner'),('audit-thread','AuditLog'),
('server-span','ServerSpanWebFilter'),('trace-hdr','TraceContextHeadersFilter'),
('auth-filter','AuthenticationWebFilter'),('path-filter','RequestPathWebFilter'),
('route-pipeline','RoutePipelineFilter'),('upstream-failure','UpstreamFailureFilter'),('canon-url','CanonicalUpstreamUrlFilter'),
('gw-metrics','GatewayMetricsFilter'),('micrometer','micrometer'),('otel','opentelemetry'),
('route-predicates','RoutePredicateHandlerMapping'),
('netty-routing-filter','NettyRoutingFilter'),('netty-write-filter','NettyWriteResponseFilter'),
('scg-other','cloud/gateway'),('http-handler-adapter','HttpWebHandlerAdapter'),
('reactor-netty','reactor/netty'),('reactor-core','reactor/core'),('netty','io/netty'),('spring','springframework')]
import re
def load(f):
    tot=0; c=collections.Counter()
    for line in open(f):
        stack,n=line.rstrip().rsplit(' ',1); n=int(n); tot+=n
        k='other'
        for name,p in cats:
            if re.search(p,stack): k=name; break
        c[k]+=n
    return tot,c
fa,fb,ra,rb=sys.argv[1],sys.argv[2],float(sys.argv[3]),float(sys.argv[4])
ta,ca=load(fa); tb,cb=load(fb)
# samples are 1ms cpu each; per-request us = samples*1000/requests ; requests = rps*20
na=ra*30; nb=rb*30
print(f"{'category':24s} {'A us/req':>9s} {'B us/req':>9s}")
for k in sorted(set(ca)|set(cb), key=lambda k:-(cb[k]/nb-ca[k]/na)):
    print(f"{k:24s} {ca[k]*1000/na:9.1f} {cb[k]*1000/nb:9.1f}")
print(f"{'TOTAL':24s} {ta*1000/na:9.1f} {tb*1000/nb:9.1f}")
