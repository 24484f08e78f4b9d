package route

import "github.com/shoal-dev/shoal/api"

// Owns reports whether Shoal's ingress proxy serves ing, given every
// IngressClass in the cluster:
//
//   - ingressClassName "shoal" (api.IngressClassShoal): always ours, with
//     or without an IngressClass object of that name;
//   - ingressClassName naming an IngressClass whose spec.controller is
//     api.IngressController ("shoal.dev/ingress"): ours;
//   - any other ingressClassName (another controller's class, or a class
//     that does not exist): not ours;
//   - no ingressClassName (or an empty one): ours unless some IngressClass is marked default
//     (annotation api.AnnotationDefaultIngressClass = "true") and none of
//     the classes so marked is ours. With no default class, Shoal, the
//     cluster's built-in controller, serves class-less Ingresses; when
//     another controller's class is the default, that controller does.
//
// The deprecated kubernetes.io/ingress.class annotation is not read.
func Owns(ing *api.Ingress, classes []*api.IngressClass) bool {
	return newClassifier(classes).owns(ing)
}

// classifier answers Owns for many Ingresses against one set of classes.
type classifier struct {
	ours      map[string]bool // class names whose controller is ours
	classless bool            // whether Ingresses without a class are ours
}

func newClassifier(classes []*api.IngressClass) classifier {
	c := classifier{ours: map[string]bool{api.IngressClassShoal: true}}
	defaults, oursDefault := 0, false
	for _, ic := range classes {
		mine := ic.Spec.Controller == api.IngressController
		if mine {
			c.ours[ic.Name] = true
		}
		if ic.Annotations[api.AnnotationDefaultIngressClass] == "true" {
			defaults++
			oursDefault = oursDefault || mine
		}
	}
	c.classless = defaults == 0 || oursDefault
	return c
}

func (c classifier) owns(ing *api.Ingress) bool {
	if n := ing.Spec.IngressClassName; n != nil && *n != "" {
		return c.ours[*n]
	}
	return c.classless
}
