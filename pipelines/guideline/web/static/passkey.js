// Passkey ceremonies (WebAuthn) for the enrolment and sign-in forms. Loaded from this site only; the
// Content-Security-Policy allows no inline script. Everything else in the app works without JavaScript.
"use strict";

function toBytes(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "===".slice((base64.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function toText(buffer) {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function post(form, url, body) {
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf},
    body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function show(element, error) {
  element.textContent = error.message || String(error);
  element.hidden = false;
}

async function enrol(form) {
  const options = await post(form, "/enrol/options", {token: form.querySelector("#token").value});
  options.challenge = toBytes(options.challenge);
  options.user.id = toBytes(options.user.id);
  options.excludeCredentials = (options.excludeCredentials || []).map((c) => ({...c, id: toBytes(c.id)}));
  const credential = await navigator.credentials.create({publicKey: options});
  const result = await post(form, "/enrol/finish", {credential: {
    id: credential.id, rawId: toText(credential.rawId), type: credential.type,
    response: {
      clientDataJSON: toText(credential.response.clientDataJSON),
      attestationObject: toText(credential.response.attestationObject),
      transports: credential.response.getTransports ? credential.response.getTransports() : [],
    },
    clientExtensionResults: credential.getClientExtensionResults(),
  }});
  window.location.assign(result.next);
}

async function signIn(form) {
  const options = await post(form, "/login/options", {});
  options.challenge = toBytes(options.challenge);
  options.allowCredentials = (options.allowCredentials || []).map((c) => ({...c, id: toBytes(c.id)}));
  const credential = await navigator.credentials.get({publicKey: options});
  const response = credential.response;
  const result = await post(form, "/login/finish", {next: form.dataset.next || "", credential: {
    id: credential.id, rawId: toText(credential.rawId), type: credential.type,
    response: {
      clientDataJSON: toText(response.clientDataJSON),
      authenticatorData: toText(response.authenticatorData),
      signature: toText(response.signature),
      userHandle: response.userHandle ? toText(response.userHandle) : null,
    },
    clientExtensionResults: credential.getClientExtensionResults(),
  }});
  window.location.assign(result.next);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const [id, ceremony, error] of [["enrol-form", enrol, "enrol-error"], ["login-form", signIn, "login-error"]]) {
    const form = document.getElementById(id);
    if (!form) continue;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      ceremony(form).catch((exc) => show(document.getElementById(error), exc));
    });
  }
});
