import json, time, urllib.request, statistics, sys
URL="http://127.0.0.1:%s/graphql" % (sys.argv[1] if len(sys.argv)>1 else "18711")
def q(doc):
    req=urllib.request.Request(URL, data=json.dumps({"query":doc}).encode(), headers={"content-type":"application/json"})
    t=time.perf_counter(); body=json.load(urllib.request.urlopen(req)); return (time.perf_counter()-t)*1000, body
cases={
 "page of 20 cooperatives (cost 21)": "{ cooperatives(first: 20) { edges { node { name code } } } }",
 "page of 100 cooperatives": "{ cooperatives(first: 100) { edges { node { name code } } } }",
 "cooperatives totalCount (unfiltered)": "{ cooperatives(first: 1) { totalCount } }",
 "cooperatives totalCount filtered by province": '{ cooperatives(first: 1, filter: {provinceCode: "01"}) { totalCount } }',
 "cooperatives totalCount filtered by name": '{ cooperatives(first: 1, filter: {nameContains: "Hợp"}) { totalCount } }',
 "groups totalCount (unfiltered)": "{ cooperativeGroups(first: 1) { totalCount } }",
 "statistics (country)": "{ statistics { cooperatives cooperativeMembers groupMembers byRating { count } bySector { count } } }",
 "statistics (one province)": '{ statistics(provinceCode: "01") { cooperatives cooperativeMembers groupMembers byRating { count } bySector { count } } }',
}
for name, doc in cases.items():
    times=[]
    for i in range(7):
        ms, body = q(doc)
        if "errors" in body: print(name, body["errors"][:1]); break
        times.append(ms)
    if times: print(f"{name}: median {statistics.median(times):.1f} ms (min {min(times):.1f}); requested cost {body['extensions']['cost']['requested']}")
