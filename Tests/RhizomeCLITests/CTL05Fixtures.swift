// Generated from /work/shared/spec/v05/vectors/node-admin.json (captured 0.5.12 responses) and
// synthetic replies; `table` and `json` are what yggdrasilctl 0.5.12 printed for `envelope`
// served by a fake admin socket on a UNIX socket (fixturesMatchTheRealYggdrasilctl re-checks them).

struct CTL05Fixture: Sendable {
    var name: String
    var command: String
    var arguments: [String]
    var envelope: String
    var table: String
    var json: String
}

enum CTL05Fixtures {
    static let all: [CTL05Fixture] = [
        CTL05Fixture(name: "a-getSelf", command: "getSelf", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getSelf",
    "arguments": {}
  },
  "response": {
    "build_name": "yggdrasil",
    "build_version": "0.5.12",
    "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
    "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
    "routing_entries": 2,
    "subnet": "301:2931:d6fb:828a::/64"
  }
}

"""#,
                     table: #"""
Build name:        	yggdrasil                                                       	
Build version:     	0.5.12                                                          	
IPv6 address:      	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e                          	
IPv6 subnet:       	301:2931:d6fb:828a::/64                                         	
Routing table size:	2                                                               	
Public key:        	75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0	

"""#,
                     json: #"""
{
  "build_name": "yggdrasil",
  "build_version": "0.5.12",
  "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
  "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
  "routing_entries": 2,
  "subnet": "301:2931:d6fb:828a::/64"
}

"""#),
        CTL05Fixture(name: "b-getSelf", command: "getSelf", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getSelf",
    "arguments": {}
  },
  "response": {
    "build_name": "yggdrasil",
    "build_version": "0.5.12",
    "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
    "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
    "routing_entries": 2,
    "subnet": "302:c8f1:d8a8:d1a1::/64"
  }
}

"""#,
                     table: #"""
Build name:        	yggdrasil                                                       	
Build version:     	0.5.12                                                          	
IPv6 address:      	202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d                          	
IPv6 subnet:       	302:c8f1:d8a8:d1a1::/64                                         	
Routing table size:	2                                                               	
Public key:        	26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484	

"""#,
                     json: #"""
{
  "build_name": "yggdrasil",
  "build_version": "0.5.12",
  "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
  "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
  "routing_entries": 2,
  "subnet": "302:c8f1:d8a8:d1a1::/64"
}

"""#),
        CTL05Fixture(name: "a-getPeers", command: "getPeers", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getPeers",
    "arguments": {}
  },
  "response": {
    "peers": [
      {
        "remote": "tcp://10.56.0.2:42956",
        "up": true,
        "inbound": true,
        "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "port": 1,
        "priority": 0,
        "cost": 1,
        "bytes_recvd": 1784,
        "bytes_sent": 3763,
        "uptime": 24.13303572,
        "latency": 400000
      }
    ]
  }
}

"""#,
                     table: #"""
         URI         	State	Dir	              IP Address              	Uptime	 RTT  	 RX  	 TX  	Down	Up	Pr	Cost	Last Error 
tcp://10.56.0.2:42956	Up   	In 	202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d	24s   	0.40ms	1.7KB	3.7KB	-   	- 	0 	1   	-         	

"""#,
                     json: #"""
{
  "peers": [
    {
      "remote": "tcp://10.56.0.2:42956",
      "up": true,
      "inbound": true,
      "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "port": 1,
      "priority": 0,
      "cost": 1,
      "bytes_recvd": 1784,
      "bytes_sent": 3763,
      "uptime": 24.13303572,
      "latency": 400000
    }
  ]
}

"""#),
        CTL05Fixture(name: "a-getPeers-multi", command: "getPeers", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getPeers",
    "arguments": {}
  },
  "response": {
    "peers": [
      {
        "remote": "ws://10.56.0.2:57800",
        "up": true,
        "inbound": true,
        "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "port": 1,
        "priority": 0,
        "cost": 1,
        "bytes_recvd": 722,
        "bytes_sent": 724,
        "uptime": 9.577268272,
        "latency": 680000
      },
      {
        "remote": "tcp://10.56.0.2:42956",
        "up": true,
        "inbound": true,
        "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "port": 1,
        "priority": 0,
        "cost": 1,
        "bytes_recvd": 3319,
        "bytes_sent": 5105,
        "uptime": 84.679965768,
        "latency": 400000
      },
      {
        "remote": "quic://10.56.0.2:36816",
        "up": true,
        "inbound": true,
        "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "port": 1,
        "priority": 0,
        "cost": 2,
        "bytes_recvd": 724,
        "bytes_sent": 722,
        "uptime": 8.063475774,
        "latency": 1080000
      },
      {
        "remote": "unix://%40/srv/ygg/test/a-link.sock",
        "up": true,
        "inbound": true,
        "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "port": 1,
        "priority": 0,
        "cost": 3,
        "bytes_recvd": 722,
        "bytes_sent": 724,
        "uptime": 5.047503752,
        "latency": 1710000
      },
      {
        "remote": "tcp://10.56.0.2:54966",
        "up": true,
        "inbound": true,
        "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "port": 1,
        "priority": 0,
        "cost": 5,
        "bytes_recvd": 724,
        "bytes_sent": 722,
        "uptime": 3.529710256,
        "latency": 2530000
      },
      {
        "remote": "tls://10.56.0.2:35930",
        "up": true,
        "inbound": true,
        "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "port": 1,
        "priority": 3,
        "cost": 1,
        "bytes_recvd": 724,
        "bytes_sent": 722,
        "uptime": 6.55659389,
        "latency": 610000
      }
    ]
  }
}

"""#,
                     table: #"""
                URI                	State	Dir	              IP Address              	Uptime	 RTT  	 RX  	 TX  	Down	Up	Pr	Cost	Last Error 
ws://10.56.0.2:57800               	Up   	In 	202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d	9s    	0.68ms	0.7KB	0.7KB	-   	- 	0 	1   	-         	
tcp://10.56.0.2:42956              	Up   	In 	202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d	1m24s 	0.40ms	3.2KB	5.0KB	-   	- 	0 	1   	-         	
quic://10.56.0.2:36816             	Up   	In 	202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d	8s    	1.08ms	0.7KB	0.7KB	-   	- 	0 	2   	-         	
unix://%40/srv/ygg/test/a-link.sock	Up   	In 	202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d	5s    	1.71ms	0.7KB	0.7KB	-   	- 	0 	3   	-         	
tcp://10.56.0.2:54966              	Up   	In 	202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d	3s    	2.53ms	0.7KB	0.7KB	-   	- 	0 	5   	-         	
tls://10.56.0.2:35930              	Up   	In 	202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d	6s    	0.61ms	0.7KB	0.7KB	-   	- 	3 	1   	-         	

"""#,
                     json: #"""
{
  "peers": [
    {
      "remote": "ws://10.56.0.2:57800",
      "up": true,
      "inbound": true,
      "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "port": 1,
      "priority": 0,
      "cost": 1,
      "bytes_recvd": 722,
      "bytes_sent": 724,
      "uptime": 9.577268272,
      "latency": 680000
    },
    {
      "remote": "tcp://10.56.0.2:42956",
      "up": true,
      "inbound": true,
      "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "port": 1,
      "priority": 0,
      "cost": 1,
      "bytes_recvd": 3319,
      "bytes_sent": 5105,
      "uptime": 84.679965768,
      "latency": 400000
    },
    {
      "remote": "quic://10.56.0.2:36816",
      "up": true,
      "inbound": true,
      "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "port": 1,
      "priority": 0,
      "cost": 2,
      "bytes_recvd": 724,
      "bytes_sent": 722,
      "uptime": 8.063475774,
      "latency": 1080000
    },
    {
      "remote": "unix://%40/srv/ygg/test/a-link.sock",
      "up": true,
      "inbound": true,
      "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "port": 1,
      "priority": 0,
      "cost": 3,
      "bytes_recvd": 722,
      "bytes_sent": 724,
      "uptime": 5.047503752,
      "latency": 1710000
    },
    {
      "remote": "tcp://10.56.0.2:54966",
      "up": true,
      "inbound": true,
      "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "port": 1,
      "priority": 0,
      "cost": 5,
      "bytes_recvd": 724,
      "bytes_sent": 722,
      "uptime": 3.529710256,
      "latency": 2530000
    },
    {
      "remote": "tls://10.56.0.2:35930",
      "up": true,
      "inbound": true,
      "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "port": 1,
      "priority": 3,
      "cost": 1,
      "bytes_recvd": 724,
      "bytes_sent": 722,
      "uptime": 6.55659389,
      "latency": 610000
    }
  ]
}

"""#),
        CTL05Fixture(name: "b-getPeers-down", command: "getPeers", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getPeers",
    "arguments": {}
  },
  "response": {
    "peers": [
      {
        "remote": "tcp://10.56.0.1:7002",
        "up": false,
        "inbound": false,
        "key": "",
        "port": 0,
        "priority": 0,
        "cost": 0,
        "last_error_time": 1011742626,
        "last_error": "node public key that does not match pinned keys"
      },
      {
        "remote": "unix:///srv/ygg/test/a-link.sock",
        "up": true,
        "inbound": false,
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "port": 1,
        "priority": 0,
        "cost": 1,
        "bytes_recvd": 1020,
        "bytes_sent": 826,
        "rate_recvd": 98,
        "uptime": 21.422378823,
        "latency": 380000
      },
      {
        "remote": "quic://10.56.0.1:7004",
        "up": true,
        "inbound": false,
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "port": 1,
        "priority": 0,
        "cost": 1,
        "bytes_recvd": 1018,
        "bytes_sent": 828,
        "rate_recvd": 98,
        "uptime": 24.43940065,
        "latency": 620000
      },
      {
        "remote": "tcp://10.56.0.1:7001",
        "up": true,
        "inbound": false,
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "port": 1,
        "priority": 0,
        "cost": 1,
        "bytes_recvd": 5401,
        "bytes_sent": 3423,
        "rate_recvd": 98,
        "uptime": 101.055602919,
        "latency": 470000
      },
      {
        "remote": "ws://10.56.0.1:7003",
        "up": true,
        "inbound": false,
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "port": 1,
        "priority": 0,
        "cost": 4,
        "bytes_recvd": 1020,
        "bytes_sent": 826,
        "rate_recvd": 98,
        "uptime": 25.952682183,
        "latency": 2210000
      },
      {
        "remote": "tls://10.56.0.1:7005",
        "up": true,
        "inbound": false,
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "port": 1,
        "priority": 3,
        "cost": 1,
        "bytes_recvd": 1018,
        "bytes_sent": 828,
        "rate_recvd": 98,
        "uptime": 22.930417601,
        "latency": 410000
      }
    ]
  }
}

"""#,
                     table: #"""
              URI               	State	Dir	              IP Address              	Uptime	 RTT  	 RX  	 TX  	Down 	Up	Pr	Cost	                      Last Error                        
tcp://10.56.0.1:7002            	Down 	Out	                                      	0s    	-     	0B   	0B   	-    	- 	0 	0   	1s ago: node public key that does not match pinned keys	
unix:///srv/ygg/test/a-link.sock	Up   	Out	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	21s   	0.38ms	1.0KB	0.8KB	98B/s	- 	0 	1   	-                                                      	
quic://10.56.0.1:7004           	Up   	Out	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	24s   	0.62ms	1.0KB	0.8KB	98B/s	- 	0 	1   	-                                                      	
tcp://10.56.0.1:7001            	Up   	Out	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	1m41s 	0.47ms	5.3KB	3.3KB	98B/s	- 	0 	1   	-                                                      	
ws://10.56.0.1:7003             	Up   	Out	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	25s   	2.21ms	1.0KB	0.8KB	98B/s	- 	0 	4   	-                                                      	
tls://10.56.0.1:7005            	Up   	Out	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	22s   	0.41ms	1.0KB	0.8KB	98B/s	- 	3 	1   	-                                                      	

"""#,
                     json: #"""
{
  "peers": [
    {
      "remote": "tcp://10.56.0.1:7002",
      "up": false,
      "inbound": false,
      "key": "",
      "port": 0,
      "priority": 0,
      "cost": 0,
      "last_error_time": 1011742626,
      "last_error": "node public key that does not match pinned keys"
    },
    {
      "remote": "unix:///srv/ygg/test/a-link.sock",
      "up": true,
      "inbound": false,
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "port": 1,
      "priority": 0,
      "cost": 1,
      "bytes_recvd": 1020,
      "bytes_sent": 826,
      "rate_recvd": 98,
      "uptime": 21.422378823,
      "latency": 380000
    },
    {
      "remote": "quic://10.56.0.1:7004",
      "up": true,
      "inbound": false,
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "port": 1,
      "priority": 0,
      "cost": 1,
      "bytes_recvd": 1018,
      "bytes_sent": 828,
      "rate_recvd": 98,
      "uptime": 24.43940065,
      "latency": 620000
    },
    {
      "remote": "tcp://10.56.0.1:7001",
      "up": true,
      "inbound": false,
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "port": 1,
      "priority": 0,
      "cost": 1,
      "bytes_recvd": 5401,
      "bytes_sent": 3423,
      "rate_recvd": 98,
      "uptime": 101.055602919,
      "latency": 470000
    },
    {
      "remote": "ws://10.56.0.1:7003",
      "up": true,
      "inbound": false,
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "port": 1,
      "priority": 0,
      "cost": 4,
      "bytes_recvd": 1020,
      "bytes_sent": 826,
      "rate_recvd": 98,
      "uptime": 25.952682183,
      "latency": 2210000
    },
    {
      "remote": "tls://10.56.0.1:7005",
      "up": true,
      "inbound": false,
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "port": 1,
      "priority": 3,
      "cost": 1,
      "bytes_recvd": 1018,
      "bytes_sent": 828,
      "rate_recvd": 98,
      "uptime": 22.930417601,
      "latency": 410000
    }
  ]
}

"""#),
        CTL05Fixture(name: "b-getPeers-multi", command: "getPeers", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getPeers",
    "arguments": {}
  },
  "response": {
    "peers": [
      {
        "remote": "tcp://10.56.0.1:7002",
        "up": true,
        "inbound": false,
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "port": 1,
        "priority": 0,
        "cost": 1,
        "bytes_recvd": 722,
        "bytes_sent": 724,
        "uptime": 3.525985885,
        "latency": 830000
      },
      {
        "remote": "unix:///srv/ygg/test/a-link.sock",
        "up": true,
        "inbound": false,
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "port": 1,
        "priority": 0,
        "cost": 1,
        "bytes_recvd": 724,
        "bytes_sent": 722,
        "uptime": 5.039254195,
        "latency": 380000
      },
      {
        "remote": "quic://10.56.0.1:7004",
        "up": true,
        "inbound": false,
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "port": 1,
        "priority": 0,
        "cost": 1,
        "bytes_recvd": 722,
        "bytes_sent": 724,
        "uptime": 8.056282209999999,
        "latency": 620000
      },
      {
        "remote": "tcp://10.56.0.1:7001",
        "up": true,
        "inbound": false,
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "port": 1,
        "priority": 0,
        "cost": 1,
        "bytes_recvd": 5105,
        "bytes_sent": 3319,
        "uptime": 84.672485241,
        "latency": 470000
      },
      {
        "remote": "ws://10.56.0.1:7003",
        "up": true,
        "inbound": false,
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "port": 1,
        "priority": 0,
        "cost": 4,
        "bytes_recvd": 724,
        "bytes_sent": 722,
        "uptime": 9.569564544,
        "latency": 2210000
      },
      {
        "remote": "tls://10.56.0.1:7005",
        "up": true,
        "inbound": false,
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "port": 1,
        "priority": 3,
        "cost": 1,
        "bytes_recvd": 722,
        "bytes_sent": 724,
        "uptime": 6.547298701,
        "latency": 410000
      }
    ]
  }
}

"""#,
                     table: #"""
              URI               	State	Dir	              IP Address              	Uptime	 RTT  	 RX  	 TX  	Down	Up	Pr	Cost	Last Error 
tcp://10.56.0.1:7002            	Up   	Out	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	3s    	0.83ms	0.7KB	0.7KB	-   	- 	0 	1   	-         	
unix:///srv/ygg/test/a-link.sock	Up   	Out	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	5s    	0.38ms	0.7KB	0.7KB	-   	- 	0 	1   	-         	
quic://10.56.0.1:7004           	Up   	Out	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	8s    	0.62ms	0.7KB	0.7KB	-   	- 	0 	1   	-         	
tcp://10.56.0.1:7001            	Up   	Out	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	1m24s 	0.47ms	5.0KB	3.2KB	-   	- 	0 	1   	-         	
ws://10.56.0.1:7003             	Up   	Out	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	9s    	2.21ms	0.7KB	0.7KB	-   	- 	0 	4   	-         	
tls://10.56.0.1:7005            	Up   	Out	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	6s    	0.41ms	0.7KB	0.7KB	-   	- 	3 	1   	-         	

"""#,
                     json: #"""
{
  "peers": [
    {
      "remote": "tcp://10.56.0.1:7002",
      "up": true,
      "inbound": false,
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "port": 1,
      "priority": 0,
      "cost": 1,
      "bytes_recvd": 722,
      "bytes_sent": 724,
      "uptime": 3.525985885,
      "latency": 830000
    },
    {
      "remote": "unix:///srv/ygg/test/a-link.sock",
      "up": true,
      "inbound": false,
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "port": 1,
      "priority": 0,
      "cost": 1,
      "bytes_recvd": 724,
      "bytes_sent": 722,
      "uptime": 5.039254195,
      "latency": 380000
    },
    {
      "remote": "quic://10.56.0.1:7004",
      "up": true,
      "inbound": false,
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "port": 1,
      "priority": 0,
      "cost": 1,
      "bytes_recvd": 722,
      "bytes_sent": 724,
      "uptime": 8.056282209999999,
      "latency": 620000
    },
    {
      "remote": "tcp://10.56.0.1:7001",
      "up": true,
      "inbound": false,
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "port": 1,
      "priority": 0,
      "cost": 1,
      "bytes_recvd": 5105,
      "bytes_sent": 3319,
      "uptime": 84.672485241,
      "latency": 470000
    },
    {
      "remote": "ws://10.56.0.1:7003",
      "up": true,
      "inbound": false,
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "port": 1,
      "priority": 0,
      "cost": 4,
      "bytes_recvd": 724,
      "bytes_sent": 722,
      "uptime": 9.569564544,
      "latency": 2210000
    },
    {
      "remote": "tls://10.56.0.1:7005",
      "up": true,
      "inbound": false,
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "port": 1,
      "priority": 3,
      "cost": 1,
      "bytes_recvd": 722,
      "bytes_sent": 724,
      "uptime": 6.547298701,
      "latency": 410000
    }
  ]
}

"""#),
        CTL05Fixture(name: "m1-getPeers-mc", command: "getPeers", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getPeers",
    "arguments": {}
  },
  "response": {
    "peers": [
      {
        "remote": "tls://[fe80::9c79:27ff:fec1:e99%25v5n-va]:41237",
        "up": true,
        "inbound": false,
        "address": "200:4e9e:1777:f98f:d6eb:7779:c307:ac51",
        "key": "d8b0f4440338148a44431e7c29d7465013dd291a3a3d8837f28b7067aba79a8b",
        "port": 1,
        "priority": 0,
        "cost": 1,
        "bytes_recvd": 980,
        "bytes_sent": 836,
        "uptime": 6.607304907,
        "latency": 440000
      },
      {
        "remote": "tls://[fe80::9c79:27ff:fec1:e99%25v5n-va]:35255",
        "up": true,
        "inbound": true,
        "address": "200:4e9e:1777:f98f:d6eb:7779:c307:ac51",
        "key": "d8b0f4440338148a44431e7c29d7465013dd291a3a3d8837f28b7067aba79a8b",
        "port": 1,
        "priority": 0,
        "cost": 1,
        "bytes_recvd": 774,
        "bytes_sent": 629,
        "uptime": 8.008381201,
        "latency": 410000
      }
    ]
  }
}

"""#,
                     table: #"""
                      URI                      	State	Dir	              IP Address              	Uptime	 RTT  	 RX  	 TX  	Down	Up	Pr	Cost	Last Error 
tls://[fe80::9c79:27ff:fec1:e99%25v5n-va]:41237	Up   	Out	200:4e9e:1777:f98f:d6eb:7779:c307:ac51	6s    	0.44ms	1.0KB	0.8KB	-   	- 	0 	1   	-         	
tls://[fe80::9c79:27ff:fec1:e99%25v5n-va]:35255	Up   	In 	200:4e9e:1777:f98f:d6eb:7779:c307:ac51	8s    	0.41ms	0.8KB	0.6KB	-   	- 	0 	1   	-         	

"""#,
                     json: #"""
{
  "peers": [
    {
      "remote": "tls://[fe80::9c79:27ff:fec1:e99%25v5n-va]:41237",
      "up": true,
      "inbound": false,
      "address": "200:4e9e:1777:f98f:d6eb:7779:c307:ac51",
      "key": "d8b0f4440338148a44431e7c29d7465013dd291a3a3d8837f28b7067aba79a8b",
      "port": 1,
      "priority": 0,
      "cost": 1,
      "bytes_recvd": 980,
      "bytes_sent": 836,
      "uptime": 6.607304907,
      "latency": 440000
    },
    {
      "remote": "tls://[fe80::9c79:27ff:fec1:e99%25v5n-va]:35255",
      "up": true,
      "inbound": true,
      "address": "200:4e9e:1777:f98f:d6eb:7779:c307:ac51",
      "key": "d8b0f4440338148a44431e7c29d7465013dd291a3a3d8837f28b7067aba79a8b",
      "port": 1,
      "priority": 0,
      "cost": 1,
      "bytes_recvd": 774,
      "bytes_sent": 629,
      "uptime": 8.008381201,
      "latency": 410000
    }
  ]
}

"""#),
        CTL05Fixture(name: "a-getTree", command: "getTree", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getTree",
    "arguments": {}
  },
  "response": {
    "tree": [
      {
        "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "parent": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "sequence": 1
      },
      {
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "parent": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "sequence": 2
      }
    ]
  }
}

"""#,
                     table: #"""
                           Public Key                           	              IP Address              	                             Parent                             	Sequence 
26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484	202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d	26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484	1       	
75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484	2       	

"""#,
                     json: #"""
{
  "tree": [
    {
      "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "parent": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "sequence": 1
    },
    {
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "parent": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "sequence": 2
    }
  ]
}

"""#),
        CTL05Fixture(name: "b-getTree", command: "getTree", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getTree",
    "arguments": {}
  },
  "response": {
    "tree": [
      {
        "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "parent": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "sequence": 1
      },
      {
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "parent": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "sequence": 2
      }
    ]
  }
}

"""#,
                     table: #"""
                           Public Key                           	              IP Address              	                             Parent                             	Sequence 
26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484	202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d	26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484	1       	
75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484	2       	

"""#,
                     json: #"""
{
  "tree": [
    {
      "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "parent": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "sequence": 1
    },
    {
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "parent": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "sequence": 2
    }
  ]
}

"""#),
        CTL05Fixture(name: "a-getPaths", command: "getPaths", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getPaths",
    "arguments": {}
  },
  "response": {
    "paths": [
      {
        "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "path": [],
        "sequence": 1795878715
      }
    ]
  }
}

"""#,
                     table: #"""
                           Public Key                           	              IP Address              	Path	   Seq     
26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484	202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d	[]  	1795878715	

"""#,
                     json: #"""
{
  "paths": [
    {
      "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "path": [],
      "sequence": 1795878715
    }
  ]
}

"""#),
        CTL05Fixture(name: "b-getPaths", command: "getPaths", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getPaths",
    "arguments": {}
  },
  "response": {
    "paths": [
      {
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "path": [
          1
        ],
        "sequence": 1795878715
      }
    ]
  }
}

"""#,
                     table: #"""
                           Public Key                           	              IP Address              	Path	   Seq     
75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	[1] 	1795878715	

"""#,
                     json: #"""
{
  "paths": [
    {
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "path": [
        1
      ],
      "sequence": 1795878715
    }
  ]
}

"""#),
        CTL05Fixture(name: "a-getSessions", command: "getSessions", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getSessions",
    "arguments": {}
  },
  "response": {
    "sessions": [
      {
        "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "bytes_recvd": 315,
        "bytes_sent": 1764,
        "uptime": 17.106393173
      }
    ]
  }
}

"""#,
                     table: #"""
                           Public Key                           	              IP Address              	Uptime	 RX  	 TX   
26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484	202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d	17s   	0.3KB	1.7KB	

"""#,
                     json: #"""
{
  "sessions": [
    {
      "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "bytes_recvd": 315,
      "bytes_sent": 1764,
      "uptime": 17.106393173
    }
  ]
}

"""#),
        CTL05Fixture(name: "b-getSessions", command: "getSessions", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getSessions",
    "arguments": {}
  },
  "response": {
    "sessions": [
      {
        "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "bytes_recvd": 1764,
        "bytes_sent": 315,
        "uptime": 17.227414487
      }
    ]
  }
}

"""#,
                     table: #"""
                           Public Key                           	              IP Address              	Uptime	 RX  	 TX   
75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0	201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e	17s   	1.7KB	0.3KB	

"""#,
                     json: #"""
{
  "sessions": [
    {
      "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "bytes_recvd": 1764,
      "bytes_sent": 315,
      "uptime": 17.227414487
    }
  ]
}

"""#),
        CTL05Fixture(name: "a-getTun", command: "getTun", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getTun",
    "arguments": {}
  },
  "response": {
    "enabled": true,
    "name": "v5nA",
    "mtu": 65535
  }
}

"""#,
                     table: #"""
TUN enabled:   	true 	
Interface name:	v5nA 	
Interface MTU: 	65535	

"""#,
                     json: #"""
{
  "enabled": true,
  "name": "v5nA",
  "mtu": 65535
}

"""#),
        CTL05Fixture(name: "m1-getMulticastInterfaces", command: "getMulticastInterfaces", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getMulticastInterfaces",
    "arguments": {}
  },
  "response": {
    "multicast_interfaces": [
      {
        "name": "v5n-va",
        "address": "[fe80::c02c:dcff:fe30:da4b%v5n-va]:38559",
        "beacon": true,
        "listen": true,
        "password": false
      }
    ]
  }
}

"""#,
                     table: #"""
 Name 	             Listen Address             	Beacon	Listen	Password 
v5n-va	[fe80::c02c:dcff:fe30:da4b%v5n-va]:38559	Yes   	Yes   	-       	

"""#,
                     json: #"""
{
  "multicast_interfaces": [
    {
      "name": "v5n-va",
      "address": "[fe80::c02c:dcff:fe30:da4b%v5n-va]:38559",
      "beacon": true,
      "listen": true,
      "password": false
    }
  ]
}

"""#),
        CTL05Fixture(name: "m1-getMulticastInterfaces-pw", command: "getMulticastInterfaces", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getMulticastInterfaces",
    "arguments": {}
  },
  "response": {
    "multicast_interfaces": [
      {
        "name": "v5n-va",
        "address": "[fe80::c02c:dcff:fe30:da4b%v5n-va]:38889",
        "beacon": true,
        "listen": true,
        "password": true
      }
    ]
  }
}

"""#,
                     table: #"""
 Name 	             Listen Address             	Beacon	Listen	Password 
v5n-va	[fe80::c02c:dcff:fe30:da4b%v5n-va]:38889	Yes   	Yes   	Yes     	

"""#,
                     json: #"""
{
  "multicast_interfaces": [
    {
      "name": "v5n-va",
      "address": "[fe80::c02c:dcff:fe30:da4b%v5n-va]:38889",
      "beacon": true,
      "listen": true,
      "password": true
    }
  ]
}

"""#),
        CTL05Fixture(name: "a-getMulticastInterfaces", command: "getMulticastInterfaces", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getMulticastInterfaces",
    "arguments": {}
  },
  "response": {
    "multicast_interfaces": []
  }
}

"""#,
                     table: #"""
Name	Listen Address	Beacon	Listen	Password 

"""#,
                     json: #"""
{
  "multicast_interfaces": []
}

"""#),
        CTL05Fixture(name: "a-list", command: "list", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "list",
    "arguments": {}
  },
  "response": {
    "list": [
      {
        "command": "addpeer",
        "description": "Add a peer to the peer list",
        "fields": [
          "uri",
          "interface"
        ]
      },
      {
        "command": "debug_remotegetpeers",
        "description": "Debug use only",
        "fields": [
          "key"
        ]
      },
      {
        "command": "debug_remotegetself",
        "description": "Debug use only",
        "fields": [
          "key"
        ]
      },
      {
        "command": "debug_remotegettree",
        "description": "Debug use only",
        "fields": [
          "key"
        ]
      },
      {
        "command": "getmulticastinterfaces",
        "description": "Show which interfaces multicast is enabled on"
      },
      {
        "command": "getnodeinfo",
        "description": "Request nodeinfo from a remote node by its public key",
        "fields": [
          "key"
        ]
      },
      {
        "command": "getpaths",
        "description": "Show established paths through this node"
      },
      {
        "command": "getpeers",
        "description": "Show directly connected peers"
      },
      {
        "command": "getself",
        "description": "Show details about this node"
      },
      {
        "command": "getsessions",
        "description": "Show established traffic sessions with remote nodes"
      },
      {
        "command": "gettree",
        "description": "Show known Tree entries"
      },
      {
        "command": "gettun",
        "description": "Show information about the node's TUN interface"
      },
      {
        "command": "list",
        "description": "List available commands"
      },
      {
        "command": "removepeer",
        "description": "Remove a peer from the peer list",
        "fields": [
          "uri",
          "interface"
        ]
      }
    ]
  }
}

"""#,
                     table: #"""
       Command        	      Arguments       	                     Description                      
addpeer               	uri=..., interface=...	Add a peer to the peer list                          	
debug_remotegetpeers  	key=...               	Debug use only                                       	
debug_remotegetself   	key=...               	Debug use only                                       	
debug_remotegettree   	key=...               	Debug use only                                       	
getmulticastinterfaces	                      	Show which interfaces multicast is enabled on        	
getnodeinfo           	key=...               	Request nodeinfo from a remote node by its public key	
getpaths              	                      	Show established paths through this node             	
getpeers              	                      	Show directly connected peers                        	
getself               	                      	Show details about this node                         	
getsessions           	                      	Show established traffic sessions with remote nodes  	
gettree               	                      	Show known Tree entries                              	
gettun                	                      	Show information about the node's TUN interface      	
list                  	                      	List available commands                              	
removepeer            	uri=..., interface=...	Remove a peer from the peer list                     	

"""#,
                     json: #"""
{
  "list": [
    {
      "command": "addpeer",
      "description": "Add a peer to the peer list",
      "fields": [
        "uri",
        "interface"
      ]
    },
    {
      "command": "debug_remotegetpeers",
      "description": "Debug use only",
      "fields": [
        "key"
      ]
    },
    {
      "command": "debug_remotegetself",
      "description": "Debug use only",
      "fields": [
        "key"
      ]
    },
    {
      "command": "debug_remotegettree",
      "description": "Debug use only",
      "fields": [
        "key"
      ]
    },
    {
      "command": "getmulticastinterfaces",
      "description": "Show which interfaces multicast is enabled on"
    },
    {
      "command": "getnodeinfo",
      "description": "Request nodeinfo from a remote node by its public key",
      "fields": [
        "key"
      ]
    },
    {
      "command": "getpaths",
      "description": "Show established paths through this node"
    },
    {
      "command": "getpeers",
      "description": "Show directly connected peers"
    },
    {
      "command": "getself",
      "description": "Show details about this node"
    },
    {
      "command": "getsessions",
      "description": "Show established traffic sessions with remote nodes"
    },
    {
      "command": "gettree",
      "description": "Show known Tree entries"
    },
    {
      "command": "gettun",
      "description": "Show information about the node's TUN interface"
    },
    {
      "command": "list",
      "description": "List available commands"
    },
    {
      "command": "removepeer",
      "description": "Remove a peer from the peer list",
      "fields": [
        "uri",
        "interface"
      ]
    }
  ]
}

"""#),
        CTL05Fixture(name: "b-getNodeInfo", command: "getNodeInfo", arguments: ["key=75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0"],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getNodeInfo",
    "arguments": {
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0"
    }
  },
  "response": {
    "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0": {
      "buildarch": "amd64",
      "buildname": "yggdrasil",
      "buildplatform": "linux",
      "buildversion": "0.5.12",
      "name": "v5n-A"
    }
  }
}

"""#,
                     table: #"""
{
      "buildarch": "amd64",
      "buildname": "yggdrasil",
      "buildplatform": "linux",
      "buildversion": "0.5.12",
      "name": "v5n-A"
    }

"""#,
                     json: #"""
{
  "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0": {
    "buildarch": "amd64",
    "buildname": "yggdrasil",
    "buildplatform": "linux",
    "buildversion": "0.5.12",
    "name": "v5n-A"
  }
}

"""#),
        CTL05Fixture(name: "a-debug_remoteGetSelf", command: "debug_remoteGetSelf", arguments: ["key=26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484"],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "debug_remoteGetSelf",
    "arguments": {
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484"
    }
  },
  "response": {
    "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d": {
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "routing_entries": "2"
    }
  }
}

"""#,
                     table: #"""
{
    "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d": {
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "routing_entries": "2"
    }
  }

"""#,
                     json: #"""
{
  "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d": {
    "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
    "routing_entries": "2"
  }
}

"""#),
        CTL05Fixture(name: "a-debug_remoteGetTree", command: "debug_remoteGetTree", arguments: ["key=26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484"],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "debug_remoteGetTree",
    "arguments": {
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484"
    }
  },
  "response": {
    "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d": {
      "keys": [
        "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484"
      ]
    }
  }
}

"""#,
                     table: #"""
{
    "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d": {
      "keys": [
        "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484"
      ]
    }
  }

"""#,
                     json: #"""
{
  "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d": {
    "keys": [
      "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484"
    ]
  }
}

"""#),
        CTL05Fixture(name: "synthetic-getPeers", command: "getPeers", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getPeers",
    "arguments": {}
  },
  "response": {
    "peers": [
      {
        "remote": "tls://[fd00::1]:443?key=26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484&priority=3",
        "up": true,
        "inbound": false,
        "address": "200:1::1",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "port": 3,
        "priority": 3,
        "cost": 120,
        "bytes_recvd": 5497558139003,
        "bytes_sent": 3221225549,
        "rate_recvd": 1048576,
        "rate_sent": 99,
        "uptime": 90061.999,
        "latency": 1999
      },
      {
        "remote": "tcp://10.0.0.1:1",
        "up": true,
        "inbound": true,
        "address": "200:1::2",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "port": 4,
        "priority": 0,
        "cost": 1,
        "bytes_recvd": 100,
        "bytes_sent": 1023,
        "rate_recvd": 102400,
        "uptime": 3599.5,
        "latency": 123456789
      },
      {
        "remote": "quic://h.example:7?password=x",
        "up": false,
        "inbound": false,
        "key": "",
        "port": 0,
        "priority": 0,
        "cost": 0,
        "last_error_time": 1500000000,
        "last_error": "dial tcp: connection refused"
      },
      {
        "remote": "unix:///run/ygg.sock",
        "up": false,
        "inbound": false,
        "key": "",
        "port": 0,
        "priority": 0,
        "cost": 0,
        "last_error_time": 3725400000000,
        "last_error": "handshake timed out"
      }
    ]
  }
}

"""#,
                     table: #"""
        URI         	State	Dir	IP Address	Uptime 	  RTT   	 RX  	 TX  	  Down   	 Up  	Pr	Cost	             Last Error              
tls://[fd00::1]:443 	Up   	Out	200:1::1  	25h1m1s	0.00ms  	5.0TB	3.0GB	1.0MB/s  	99B/s	3 	120 	-                                   	
tcp://10.0.0.1:1    	Up   	In 	200:1::2  	59m59s 	123.46ms	0.1KB	1.0KB	100.0KB/s	-    	0 	1   	-                                   	
quic://h.example:7  	Down 	Out	          	0s     	-       	0B   	0B   	-        	-    	0 	0   	2s ago: dial tcp: connection refused	
unix:///run/ygg.sock	Down 	Out	          	0s     	-       	0B   	0B   	-        	-    	0 	0   	1h2m5s ago: handshake timed out     	

"""#,
                     json: #"""
{
  "peers": [
    {
      "remote": "tls://[fd00::1]:443?key=26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484\u0026priority=3",
      "up": true,
      "inbound": false,
      "address": "200:1::1",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "port": 3,
      "priority": 3,
      "cost": 120,
      "bytes_recvd": 5497558139003,
      "bytes_sent": 3221225549,
      "rate_recvd": 1048576,
      "rate_sent": 99,
      "uptime": 90061.999,
      "latency": 1999
    },
    {
      "remote": "tcp://10.0.0.1:1",
      "up": true,
      "inbound": true,
      "address": "200:1::2",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "port": 4,
      "priority": 0,
      "cost": 1,
      "bytes_recvd": 100,
      "bytes_sent": 1023,
      "rate_recvd": 102400,
      "uptime": 3599.5,
      "latency": 123456789
    },
    {
      "remote": "quic://h.example:7?password=x",
      "up": false,
      "inbound": false,
      "key": "",
      "port": 0,
      "priority": 0,
      "cost": 0,
      "last_error_time": 1500000000,
      "last_error": "dial tcp: connection refused"
    },
    {
      "remote": "unix:///run/ygg.sock",
      "up": false,
      "inbound": false,
      "key": "",
      "port": 0,
      "priority": 0,
      "cost": 0,
      "last_error_time": 3725400000000,
      "last_error": "handshake timed out"
    }
  ]
}

"""#),
        CTL05Fixture(name: "synthetic-getSessions", command: "getSessions", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getSessions",
    "arguments": {}
  },
  "response": {
    "sessions": [
      {
        "address": "200:1::1",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "bytes_recvd": 99,
        "bytes_sent": 1048575,
        "uptime": 0.2
      },
      {
        "address": "200:1::2",
        "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
        "bytes_recvd": 0,
        "bytes_sent": 1073741824,
        "uptime": 7322.9
      }
    ]
  }
}

"""#,
                     table: #"""
                           Public Key                           	IP Address	Uptime	RX 	   TX    
26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484	200:1::1  	0s    	99B	1024.0KB	
75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0	200:1::2  	2h2m2s	0B 	1.0GB   	

"""#,
                     json: #"""
{
  "sessions": [
    {
      "address": "200:1::1",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "bytes_recvd": 99,
      "bytes_sent": 1048575,
      "uptime": 0.2
    },
    {
      "address": "200:1::2",
      "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0",
      "bytes_recvd": 0,
      "bytes_sent": 1073741824,
      "uptime": 7322.9
    }
  ]
}

"""#),
        CTL05Fixture(name: "synthetic-getPaths", command: "getPaths", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getPaths",
    "arguments": {}
  },
  "response": {
    "paths": [
      {
        "address": "200:1::1",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "path": [
          1,
          22,
          333
        ],
        "sequence": 5
      }
    ]
  }
}

"""#,
                     table: #"""
                           Public Key                           	IP Address	   Path   	Seq 
26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484	200:1::1  	[1 22 333]	5  	

"""#,
                     json: #"""
{
  "paths": [
    {
      "address": "200:1::1",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "path": [
        1,
        22,
        333
      ],
      "sequence": 5
    }
  ]
}

"""#),
        CTL05Fixture(name: "synthetic-getTun-off", command: "getTun", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getTun",
    "arguments": {}
  },
  "response": {
    "enabled": false
  }
}

"""#,
                     table: #"""
TUN enabled:	false	

"""#,
                     json: #"""
{
  "enabled": false
}

"""#),
        CTL05Fixture(name: "synthetic-getNodeInfo", command: "getNodeInfo", arguments: ["key=26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484"],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "getNodeInfo",
    "arguments": {
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484"
    }
  },
  "response": {
    "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484": {
      "name": "x<y>&z",
      "list": [
        1,
        2.5,
        {
          "a": null
        }
      ],
      "empty": {},
      "e": []
    }
  }
}

"""#,
                     table: #"""
{
      "name": "x<y>&z",
      "list": [
        1,
        2.5,
        {
          "a": null
        }
      ],
      "empty": {},
      "e": []
    }

"""#,
                     json: #"""
{
  "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484": {
    "name": "x\u003cy\u003e\u0026z",
    "list": [
      1,
      2.5,
      {
        "a": null
      }
    ],
    "empty": {},
    "e": []
  }
}

"""#),
        CTL05Fixture(name: "synthetic-lookups", command: "lookups", arguments: [],
                     envelope: #"""
{
  "status": "success",
  "request": {
    "request": "lookups",
    "arguments": {}
  },
  "response": {
    "infos": [
      {
        "addr": "200:1::1",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "path": [],
        "time": 1764000000
      }
    ]
  }
}

"""#,
                     table: #"""
{
    "infos": [
      {
        "addr": "200:1::1",
        "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
        "path": [],
        "time": 1764000000
      }
    ]
  }

"""#,
                     json: #"""
{
  "infos": [
    {
      "addr": "200:1::1",
      "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484",
      "path": [],
      "time": 1764000000
    }
  ]
}

"""#),
    ]
}
