package api

import (
	"strings"
	"testing"
)

func TestValidateLifecycle(t *testing.T) {
	hooks := func(post, pre *LifecycleHandler) func(p *Pod) {
		return func(p *Pod) { p.Spec.Containers[0].Lifecycle = &Lifecycle{PostStart: post, PreStop: pre} }
	}
	exec := &LifecycleHandler{Exec: &ExecAction{Command: []string{"/bin/sh", "-c", "true"}}}
	base := "spec.containers[0].lifecycle"
	tests := []struct {
		name string
		obj  Object
		want []string // each must be one of the errors; none means valid
	}{
		{"exec postStart and preStop", with(validPod, hooks(exec, exec)), nil},
		{"httpGet by port name", with(validPod, hooks(nil, &LifecycleHandler{HTTPGet: &HTTPGetAction{Path: "/quit", Port: FromString("http")}})), nil},
		{"sleep", with(validPod, hooks(nil, &LifecycleHandler{Sleep: &SleepAction{Seconds: 5}})), nil},
		{"sleep zero", with(validPod, hooks(&LifecycleHandler{Sleep: &SleepAction{}}, nil)), nil},
		{"empty lifecycle", with(validPod, hooks(nil, nil)), nil},
		{"no action", with(validPod, hooks(nil, &LifecycleHandler{})), []string{base + ".preStop: must have exactly one of exec, httpGet or sleep"}},
		{"two actions", with(validPod, hooks(&LifecycleHandler{Exec: exec.Exec, Sleep: &SleepAction{Seconds: 1}}, nil)),
			[]string{base + ".postStart: must have exactly one of exec, httpGet or sleep, got exec and sleep"}},
		{"exec without command", with(validPod, hooks(&LifecycleHandler{Exec: &ExecAction{}}, nil)), []string{base + ".postStart.exec.command: required"}},
		{"httpGet unknown port name", with(validPod, hooks(nil, &LifecycleHandler{HTTPGet: &HTTPGetAction{Port: FromString("admin")}})),
			[]string{base + `.preStop.httpGet.port: no container port is named "admin"`}},
		{"httpGet port out of range", with(validPod, hooks(nil, &LifecycleHandler{HTTPGet: &HTTPGetAction{Port: FromInt32(0)}})),
			[]string{base + ".preStop.httpGet.port: must be 1-65535 or a port name, got 0"}},
		{"httpGet relative path", with(validPod, hooks(nil, &LifecycleHandler{HTTPGet: &HTTPGetAction{Path: "quit", Port: FromInt32(80)}})),
			[]string{base + `.preStop.httpGet.path: invalid value "quit": must start with '/'`}},
		{"sleep negative", with(validPod, hooks(nil, &LifecycleHandler{Sleep: &SleepAction{Seconds: -1}})),
			[]string{base + ".preStop.sleep.seconds: must be from 0 to terminationGracePeriodSeconds (30), got -1"}},
		{"sleep longer than the grace", with(validPod, func(p *Pod) {
			p.Spec.TerminationGracePeriodSeconds = ptr(int64(10))
			hooks(nil, &LifecycleHandler{Sleep: &SleepAction{Seconds: 11}})(p)
		}), []string{base + ".preStop.sleep.seconds: must be from 0 to terminationGracePeriodSeconds (10), got 11"}},
		{"init container", with(validPod, func(p *Pod) {
			p.Spec.InitContainers = []Container{{Name: "init", Image: "busybox:1", Lifecycle: &Lifecycle{PreStop: exec}}}
		}), []string{"spec.initContainers[0].lifecycle: not allowed in an init container"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Default(tt.obj)
			err := Validate(tt.obj)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got valid, want %v", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want an error containing %q", err, w)
				}
			}
		})
	}
}

func TestValidateGRPCProbe(t *testing.T) {
	probe := func(pr *Probe) func(p *Pod) {
		return func(p *Pod) { p.Spec.Containers[0].ReadinessProbe = pr }
	}
	tests := []struct {
		name string
		obj  Object
		want []string
	}{
		{"port", with(validPod, probe(&Probe{GRPC: &GRPCAction{Port: 9090}})), nil},
		{"port and service", with(validPod, probe(&Probe{GRPC: &GRPCAction{Port: 9090, Service: ptr("liveness")}})), nil},
		{"port zero", with(validPod, probe(&Probe{GRPC: &GRPCAction{}})), []string{"spec.containers[0].readinessProbe.grpc.port: must be 1-65535, got 0"}},
		{"port too high", with(validPod, probe(&Probe{GRPC: &GRPCAction{Port: 70000}})), []string{"spec.containers[0].readinessProbe.grpc.port: must be 1-65535, got 70000"}},
		{"grpc and exec", with(validPod, probe(&Probe{GRPC: &GRPCAction{Port: 9090}, Exec: &ExecAction{Command: []string{"true"}}})),
			[]string{"spec.containers[0].readinessProbe: must have exactly one of httpGet, tcpSocket, exec or grpc, got exec and grpc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Default(tt.obj)
			err := Validate(tt.obj)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got valid, want %v", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want an error containing %q", err, w)
				}
			}
		})
	}
}

func TestDecodeLifecycleAndGRPC(t *testing.T) {
	objs, err := Decode([]byte(`apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  terminationGracePeriodSeconds: 20
  containers:
  - name: app
    image: busybox:1
    ports: [{name: http, containerPort: 8080}]
    lifecycle:
      postStart:
        exec: {command: ["/bin/sh", "-c", "echo hi > /tmp/hi"]}
      preStop:
        httpGet: {path: /quit, port: http}
    readinessProbe:
      grpc: {port: 9090, service: ready}
    livenessProbe:
      grpc: {port: 9090}
  - name: side
    image: busybox:1
    lifecycle:
      preStop:
        sleep: {seconds: 5}
`))
	if err != nil {
		t.Fatal(err)
	}
	p := objs[0].(*Pod)
	c := p.Spec.Containers[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"postStart exec", strings.Join(c.Lifecycle.PostStart.Exec.Command, " "), "/bin/sh -c echo hi > /tmp/hi"},
		{"preStop httpGet path", c.Lifecycle.PreStop.HTTPGet.Path, "/quit"},
		{"preStop httpGet port", c.Lifecycle.PreStop.HTTPGet.Port.String(), "http"},
		{"readiness grpc port", c.ReadinessProbe.GRPC.Port, int32(9090)},
		{"readiness grpc service", *c.ReadinessProbe.GRPC.Service, "ready"},
		{"liveness grpc service unset", c.LivenessProbe.GRPC.Service == nil, true},
		{"sleep seconds", p.Spec.Containers[1].Lifecycle.PreStop.Sleep.Seconds, int64(5)},
	}
	for _, ch := range checks {
		t.Run(ch.name, func(t *testing.T) {
			if ch.got != ch.want {
				t.Errorf("got %v, want %v", ch.got, ch.want)
			}
		})
	}
}

func TestDecodeLifecycleRefusals(t *testing.T) {
	tests := []struct {
		name, cextra, want string
	}{
		{"tcpSocket hook is not supported", "        lifecycle: {preStop: {tcpSocket: {port: 80}}}\n",
			`spec.template.spec.containers[0].lifecycle.preStop.tcpSocket: not supported by Shoal (a Kubernetes LifecycleHandler field)`},
		{"typo in a hook", "        lifecycle: {preStopp: {sleep: {seconds: 1}}}\n",
			`unknown field "spec.template.spec.containers[0].lifecycle.preStopp" (did you mean "preStop"?)`},
		{"sleep longer than the grace", "        lifecycle: {preStop: {sleep: {seconds: 31}}}\n",
			`spec.template.spec.containers[0].lifecycle.preStop.sleep.seconds: must be from 0 to terminationGracePeriodSeconds (30), got 31`},
		{"grpc port name", "        readinessProbe: {grpc: {port: http}}\n",
			`spec.template.spec.containers[0].readinessProbe.grpc.port: got string "http", want an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(podDeployment("", tt.cextra)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestDecodeKubernetesDocsExamples decodes the lifecycle, grpc probe and
// sidecar examples of the Kubernetes documentation, unchanged.
func TestDecodeKubernetesDocsExamples(t *testing.T) {
	tests := []struct{ name, manifest string }{
		{"lifecycle-events.yaml", `apiVersion: v1
kind: Pod
metadata:
  name: lifecycle-demo
spec:
  containers:
  - name: lifecycle-demo-container
    image: nginx
    lifecycle:
      postStart:
        exec:
          command: ["/bin/sh", "-c", "echo Hello from the postStart handler > /usr/share/message"]
      preStop:
        exec:
          command: ["/bin/sh","-c","nginx -s quit; while killall -0 nginx; do sleep 1; done"]
`},
		{"grpc-liveness.yaml", `apiVersion: v1
kind: Pod
metadata:
  name: etcd-with-grpc
spec:
  containers:
  - name: etcd
    image: registry.k8s.io/etcd:3.5.1-0
    command: [ "/usr/local/bin/etcd", "--data-dir",  "/var/lib/etcd", "--listen-client-urls", "http://0.0.0.0:2379", "--advertise-client-urls", "http://127.0.0.1:2379", "--log-level", "debug"]
    ports:
    - containerPort: 2379
    livenessProbe:
      grpc:
        port: 2379
      initialDelaySeconds: 10
`},
		{"application/deployment-sidecar.yaml", `apiVersion: apps/v1
kind: Deployment
metadata:
  name: myapp
  labels:
    app: myapp
spec:
  replicas: 1
  selector:
    matchLabels:
      app: myapp
  template:
    metadata:
      labels:
        app: myapp
    spec:
      containers:
        - name: myapp
          image: alpine:latest
          command: ['sh', '-c', 'while true; do echo "logging" >> /opt/logs.txt; sleep 1; done']
          volumeMounts:
            - name: data
              mountPath: /opt
      initContainers:
        - name: logshipper
          image: alpine:latest
          restartPolicy: Always
          command: ['sh', '-c', 'tail -F /opt/logs.txt']
          volumeMounts:
            - name: data
              mountPath: /opt
      volumes:
        - name: data
          emptyDir: {}
`},
		{"preStop sleep", `apiVersion: v1
kind: Pod
metadata:
  name: sleep-demo
spec:
  containers:
  - name: web
    image: nginx
    lifecycle:
      preStop:
        sleep:
          seconds: 5
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode([]byte(tt.manifest)); err != nil {
				t.Errorf("got %v, want it accepted", err)
			}
		})
	}
}
