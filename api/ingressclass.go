package api

func init() {
	register(&Kind{
		Name: "IngressClass", APIVersion: "networking.k8s.io/v1", Plural: "ingressclasses",
		Aliases: []string{"ingressclass"}, Namespaced: false, UserWritable: true,
		New: func() Object { return &IngressClass{} },
	})
}

// IngressController is the spec.controller of IngressClasses that Shoal's
// built-in ingress proxy serves.
const IngressController = "shoal.dev/ingress"

// IngressClassShoal is the ingressClassName Shoal serves without any
// IngressClass object.
const IngressClassShoal = "shoal"

// AnnotationDefaultIngressClass marks the IngressClass that Ingresses
// without ingressClassName belong to (value "true").
const AnnotationDefaultIngressClass = "ingressclass.kubernetes.io/is-default-class"

// IngressClass names an ingress controller that Ingresses pick with
// spec.ingressClassName.
type IngressClass struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Spec names the controller.
	Spec IngressClassSpec `json:"spec"`
}

// IngressClassSpec names the controller that implements a class.
type IngressClassSpec struct {
	// Controller is the implementing controller, e.g. "shoal.dev/ingress"
	// or "k8s.io/ingress-nginx".
	Controller string `json:"controller,omitempty"`
}
