package githubtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type app struct {
	id            int64
	installations map[int64]bool
	key           *rsa.PublicKey
}

// CreateApp registers a GitHub App with one installation and returns the
// App's private key (PEM), as the App's settings page would. Installation
// tokens the fake issues for it are accepted like any other token.
func (s *Server) CreateApp(appID, installationID int64) []byte {
	s.t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		s.t.Fatalf("githubtest: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apps == nil {
		s.apps = map[int64]*app{}
	}
	s.apps[appID] = &app{id: appID, installations: map[int64]bool{installationID: true}, key: &key.PublicKey}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

// InstallationTokens returns how many installation tokens the fake issued.
func (s *Server) InstallationTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// createInstallationToken is POST /app/installations/{id}/access_tokens,
// authenticated with the App's JWT (RS256, iss = App id, at most 10 minutes).
func (s *Server) createInstallationToken(w http.ResponseWriter, r *http.Request) {
	doc := docs + "/apps/apps#create-an-installation-access-token-for-an-app"
	inst, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found", doc)
		return
	}
	scheme, jwt, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "bearer") {
		writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded", doc)
		return
	}
	appID, err := s.verifyJWT(jwt)
	if err != nil {
		writeError(w, http.StatusUnauthorized, err.Error(), doc)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.apps[appID].installations[inst] {
		writeError(w, http.StatusNotFound, "Not Found", doc)
		return
	}
	s.issued++
	token := fmt.Sprintf("ghs_githubtest%d_%d", inst, s.issued)
	s.tokens[token] = true
	writeJSON(w, http.StatusCreated, map[string]any{
		"token": token, "expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"permissions": map[string]string{"contents": "write", "pull_requests": "write", "metadata": "read"}, "repository_selection": "all",
	})
}

func (s *Server) verifyJWT(jwt string) (int64, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return 0, fmt.Errorf("A JSON web token could not be decoded")
	}
	var header struct{ Alg string }
	var claims struct {
		Iss any   `json:"iss"`
		Iat int64 `json:"iat"`
		Exp int64 `json:"exp"`
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &claims) != nil || header.Alg != "RS256" {
		return 0, fmt.Errorf("A JSON web token could not be decoded")
	}
	appID, err := strconv.ParseInt(fmt.Sprint(claims.Iss), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("'Issuer' claim ('iss') must be an Integer")
	}
	s.mu.Lock()
	a := s.apps[appID]
	s.mu.Unlock()
	if a == nil {
		return 0, fmt.Errorf("Integration not found")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(a.key, crypto.SHA256, sum[:], sig) != nil {
		return 0, fmt.Errorf("A JSON web token could not be decoded")
	}
	now := time.Now().Unix()
	if claims.Exp <= now || claims.Exp-claims.Iat > 600+60 || claims.Iat > now+60 {
		return 0, fmt.Errorf("'Expiration time' claim ('exp') is too far in the future")
	}
	return appID, nil
}
