package mailbox

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// lang is a language the pages are written in.
type lang string

const (
	bokmal  lang = "nb"
	english lang = "en"
)

// chooseLang picks bokmål or English from Accept-Language: the supported
// language the browser prefers most, bokmål when it names neither (the
// service's citizens are Norwegian). Nynorsk and plain "no" get bokmål, the
// closer of the two.
func chooseLang(r *http.Request) lang {
	best, bestQ := bokmal, -1.0
	for part := range strings.SplitSeq(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		var l lang
		switch primary {
		case "nb", "no", "nn":
			l = bokmal
		case "en":
			l = english
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// catalog holds the texts of every language, built once per handler.
type catalog map[lang]map[string]string

func newCatalog() catalog {
	return catalog{bokmal: bokmalTexts(), english: englishTexts()}
}

// text returns the text for key in l, the English one when l lacks it,
// and the key itself when both do, so a missing text shows up on the page
// instead of vanishing.
func (c catalog) text(l lang, key string) string {
	if s, ok := c[l][key]; ok {
		return s
	}
	if s, ok := c[english][key]; ok {
		return s
	}
	return key
}

// formatTime shows a time in Norwegian local time, as the citizen reads it.
func formatTime(l lang, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if l == bokmal {
		return t.Format("02.01.2006 kl. 15:04")
	}
	return t.Format("2 Jan 2006 15:04 MST")
}

// formatSize shows a byte count the way a file manager would.
func formatSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func englishTexts() map[string]string {
	return map[string]string{
		"app.name":      "svarsign digital mailbox",
		"banner":        "SIMULATED login – for testing only",
		"banner.detail": "The login imitates ID-porten. No real identity is checked; anyone can log in as anyone.",
		"skip":          "Skip to main content",
		"loggedin":      "Logged in as %s (%s), assurance level %d",
		"logout":        "Log out",
		"tomailbox":     "To your mailbox",

		"login.title":     "Log in (simulated ID-porten)",
		"login.intro":     "Choose who to log in as. This imitates ID-porten for tests and demonstrations.",
		"login.nin":       "National identity number (11 digits)",
		"login.name":      "Name",
		"login.level":     "Assurance level",
		"login.level3":    "Level 3 (substantial)",
		"login.level4":    "Level 4 (high)",
		"login.submit":    "Log in",
		"login.stepup":    "What you tried to open requires login at level 4. Log in again at level 4 to continue.",
		"login.err.nin":   "The national identity number is not valid.",
		"login.err.name":  "Enter a name of at most 200 characters.",
		"login.err.level": "Choose level 3 or 4.",
		"login.err.title": "Please correct the following",

		"disabled.title": "Login is not configured",
		"disabled.text":  "This service has no ID-porten login configured, so nobody can log in to the mailbox. The simulated ID-porten login, where anyone can log in as any citizen, is for test systems only: start such a system with svarsign serve --simulated-login.",
		"proxied.title":  "Simulated login refused through a proxy",
		"proxied.text":   "This request came through a proxy or load balancer (it carries the %s header), so the service is reachable from beyond this machine. The simulated ID-porten login, where anyone can log in as any citizen, is therefore refused here. Use it directly on the service's own address on a test system.",

		"list.title":   "Your shipments",
		"list.empty":   "You have no shipments.",
		"col.title":    "Title",
		"col.sender":   "Sender",
		"col.notified": "Notified",
		"col.read":     "Read",
		"col.signing":  "Signing",
		"read.yes":     "Read",
		"read.no":      "Unread",
		"level4":       "Requires login at level 4",

		"signing.WAITING":               "Waiting for your signature",
		"signing.SIGNED":                "Signed",
		"signing.REJECTED_BY_RECIPIENT": "Rejected by you",
		"signing.EXPIRED":               "Deadline passed",
		"signing.REJECTED_BY_SERVICE":   "Rejected by the service",
		"signing.CANCELLED":             "Withdrawn by the sender",
		"signing.none":                  "No signing",

		"shipment.from":      "From",
		"shipment.notified":  "Notified",
		"shipment.documents": "Documents",
		"shipment.download":  "Download %s",
		"shipment.tosign":    "to be signed",
		"shipment.signing":   "Signing",
		"shipment.signintro": "The sender asks you to sign %s by %s.",
		"shipment.signbtn":   "Sign",
		"shipment.status":    "Status: %s",

		"ceremony.title":    "Sign the document",
		"ceremony.provider": "Local signing service",
		"ceremony.intro":    "Read the document before you sign. By choosing “Sign” you sign %s from %s as %s, logged in at level %d.",
		"ceremony.preview":  "Open the document to sign: %s (%s)",
		"ceremony.sign":     "Sign",
		"ceremony.rejecth":  "Don't want to sign?",
		"ceremony.reason":   "Reason (optional)",
		"ceremony.reject":   "Reject",
		"ceremony.rejectw":  "A rejected document can never be signed later.",
		"ceremony.leave":    "You may also leave this page and sign later, before %s.",

		"done.signed.title":   "The document is signed",
		"done.signed.text":    "The document is signed and has been sent back to the sender.",
		"done.rejected.title": "You rejected the signing",
		"done.rejected.text":  "The sender will be told that you did not sign. The document can no longer be signed.",

		"err.title":            "Something went wrong",
		"err.notfound":         "The page does not exist.",
		"err.person":           "This is not addressed to you. You are logged in as another person.",
		"err.notwaiting":       "The signing order no longer waits for a signature. Its status is: %s.",
		"err.expired":          "The deadline for signing has passed.",
		"err.ceremony.used":    "This signing link has already been used. If the document still waits for your signature, start the signing again from the shipment.",
		"err.ceremony.expired": "This signing link has expired. Start the signing again from the shipment.",
		"err.ceremony.unknown": "This signing link is not valid.",
		"err.csrf":             "The form was not valid or has expired. Go back, reload the page and try again.",
		"err.level":            "This requires login at level 4.",
		"err.nosigning":        "This shipment has no signing order.",
		"err.internal":         "Something went wrong on our side. Please try again later.",
		"err.form":             "The form could not be read. Go back, reload the page and try again.",
	}
}

func bokmalTexts() map[string]string {
	return map[string]string{
		"app.name":      "svarsign digital postkasse",
		"banner":        "SIMULERT innlogging – kun for test",
		"banner.detail": "Innloggingen etterligner ID-porten. Ingen ekte identitet blir kontrollert; hvem som helst kan logge inn som hvem som helst.",
		"skip":          "Hopp til hovedinnholdet",
		"loggedin":      "Innlogget som %s (%s), sikkerhetsnivå %d",
		"logout":        "Logg ut",
		"tomailbox":     "Til postkassen",

		"login.title":     "Logg inn (simulert ID-porten)",
		"login.intro":     "Velg hvem du vil logge inn som. Dette etterligner ID-porten for test og demonstrasjon.",
		"login.nin":       "Fødselsnummer (11 siffer)",
		"login.name":      "Navn",
		"login.level":     "Sikkerhetsnivå",
		"login.level3":    "Nivå 3 (betydelig)",
		"login.level4":    "Nivå 4 (høyt)",
		"login.submit":    "Logg inn",
		"login.stepup":    "Det du prøvde å åpne krever innlogging på nivå 4. Logg inn på nytt med nivå 4 for å fortsette.",
		"login.err.nin":   "Fødselsnummeret er ikke gyldig.",
		"login.err.name":  "Skriv inn et navn på høyst 200 tegn.",
		"login.err.level": "Velg nivå 3 eller 4.",
		"login.err.title": "Rett opp dette",

		"disabled.title": "Innlogging er ikke satt opp",
		"disabled.text":  "Tjenesten har ingen ID-porten-innlogging satt opp, så ingen kan logge inn i postkassen. Den simulerte ID-porten-innloggingen, der hvem som helst kan logge inn som hvilken som helst innbygger, er bare for testsystemer: start et slikt system med svarsign serve --simulated-login.",
		"proxied.title":  "Simulert innlogging avvist gjennom en proxy",
		"proxied.text":   "Denne forespørselen kom gjennom en proxy eller lastbalanserer (den har headeren %s), så tjenesten kan nås fra utenfor denne maskinen. Den simulerte ID-porten-innloggingen, der hvem som helst kan logge inn som hvilken som helst innbygger, blir derfor avvist her. Bruk den direkte på tjenestens egen adresse på et testsystem.",

		"list.title":   "Dine forsendelser",
		"list.empty":   "Du har ingen forsendelser.",
		"col.title":    "Tittel",
		"col.sender":   "Avsender",
		"col.notified": "Varslet",
		"col.read":     "Lest",
		"col.signing":  "Signering",
		"read.yes":     "Lest",
		"read.no":      "Ulest",
		"level4":       "Krever innlogging på nivå 4",

		"signing.WAITING":               "Venter på din signatur",
		"signing.SIGNED":                "Signert",
		"signing.REJECTED_BY_RECIPIENT": "Avvist av deg",
		"signing.EXPIRED":               "Fristen er ute",
		"signing.REJECTED_BY_SERVICE":   "Avvist av tjenesten",
		"signing.CANCELLED":             "Trukket tilbake av avsender",
		"signing.none":                  "Ingen signering",

		"shipment.from":      "Fra",
		"shipment.notified":  "Varslet",
		"shipment.documents": "Dokumenter",
		"shipment.download":  "Last ned %s",
		"shipment.tosign":    "skal signeres",
		"shipment.signing":   "Signering",
		"shipment.signintro": "Avsender ber deg signere %s innen %s.",
		"shipment.signbtn":   "Signer",
		"shipment.status":    "Status: %s",

		"ceremony.title":    "Signer dokumentet",
		"ceremony.provider": "Lokal signeringstjeneste",
		"ceremony.intro":    "Les dokumentet før du signerer. Når du velger «Signer», signerer du %s fra %s som %s, innlogget på nivå %d.",
		"ceremony.preview":  "Åpne dokumentet som skal signeres: %s (%s)",
		"ceremony.sign":     "Signer",
		"ceremony.rejecth":  "Vil du ikke signere?",
		"ceremony.reason":   "Begrunnelse (valgfri)",
		"ceremony.reject":   "Avvis",
		"ceremony.rejectw":  "Et avvist dokument kan aldri signeres senere.",
		"ceremony.leave":    "Du kan også forlate siden og signere senere, innen %s.",

		"done.signed.title":   "Dokumentet er signert",
		"done.signed.text":    "Dokumentet er signert og sendt tilbake til avsender.",
		"done.rejected.title": "Du har avvist signeringen",
		"done.rejected.text":  "Avsender får beskjed om at du ikke signerte. Dokumentet kan ikke lenger signeres.",

		"err.title":            "Noe gikk galt",
		"err.notfound":         "Siden finnes ikke.",
		"err.person":           "Dette er ikke til deg. Du er logget inn som en annen person.",
		"err.notwaiting":       "Signeringsoppdraget venter ikke lenger på signatur. Status: %s.",
		"err.expired":          "Fristen for å signere er ute.",
		"err.ceremony.used":    "Denne signeringslenken er allerede brukt. Hvis dokumentet fortsatt venter på din signatur, start signeringen på nytt fra forsendelsen.",
		"err.ceremony.expired": "Denne signeringslenken er utløpt. Start signeringen på nytt fra forsendelsen.",
		"err.ceremony.unknown": "Denne signeringslenken er ikke gyldig.",
		"err.csrf":             "Skjemaet var ugyldig eller utløpt. Gå tilbake, last inn siden på nytt og prøv igjen.",
		"err.level":            "Dette krever innlogging på nivå 4.",
		"err.nosigning":        "Denne forsendelsen har ikke noe signeringsoppdrag.",
		"err.internal":         "Noe gikk galt hos oss. Prøv igjen senere.",
		"err.form":             "Skjemaet kunne ikke leses. Gå tilbake, last inn siden på nytt og prøv igjen.",
	}
}
