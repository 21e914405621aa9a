#!/usr/bin/env python3
"""List string literals with a space in non-test code of the layers that build
client-visible messages: the inventory behind docs/dev/i18n-plan.md."""
import re,sys,os,json
out=[]
for root in ['src/domain','src/service','src/auth','src/graphql','src/http']:
    for dp,_,fs in os.walk(root):
        for f in fs:
            if not f.endswith('.rs') or f=='tests.rs': continue
            p=os.path.join(dp,f); t=open(p).read()
            cut=t.find('#[cfg(test)]')
            if cut>=0: t=t[:cut]
            for m in re.finditer(r'"((?:[^"\\]|\\.)*)"',t):
                s=m.group(1)
                line=t[:m.start()].count('\n')+1
                pre=t[max(0,m.start()-200):m.start()]
                linetxt=t.splitlines()[line-1].strip()
                if linetxt.startswith('//') or linetxt.startswith('///') or linetxt.startswith('#[doc'): continue
                if ' ' not in s or len(s)<6: continue
                if re.search(r'\b(SELECT|INSERT|UPDATE|DELETE|tracing|info!|warn!|error!|debug!|expect\()',linetxt): continue
                if 'tracing::' in pre.splitlines()[-1] if pre.splitlines() else False: continue
                out.append((p,line,s))
for p,l,s in out: print(f"{p}:{l}\t{s}")
