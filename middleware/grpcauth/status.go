package grpcauth

import (
	"net/http"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/driive/keyauth/middleware"
)

// Domain is the ErrorInfo domain of keyauth's refusals.
const Domain = "keyauth"

// Code is the gRPC status code of a refusal.
func Code(ref *middleware.Refusal) codes.Code {
	switch ref.Status {
	case http.StatusUnauthorized, http.StatusBadRequest:
		return codes.Unauthenticated
	case http.StatusForbidden:
		return codes.PermissionDenied
	case http.StatusNotFound:
		return codes.NotFound
	case http.StatusServiceUnavailable:
		return codes.Unavailable
	}
	return codes.Internal
}

// message is the text of a refusal's error: the code first, so that a
// client without the details can still tell the refusals apart.
func message(ref *middleware.Refusal) string {
	return "keyauth: " + ref.Code + ": " + ref.Detail
}

// details are the refusal's error details.
func details(ref *middleware.Refusal) []proto.Message {
	ds := []proto.Message{&errdetails.ErrorInfo{Reason: ref.Code, Domain: Domain}}
	if ref.Status == http.StatusServiceUnavailable {
		ds = append(ds, &errdetails.RetryInfo{RetryDelay: durationpb.New(ref.RetryAfter)})
	}
	return ds
}
