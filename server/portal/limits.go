package portal

import (
	"time"

	"github.com/svarsign/svarsign/server/domain"
)

// sendForm is the send page's data: the server's limits that its hints and
// inputs state, taken from package domain so that neither the template nor
// the page's script repeats a number of the server's.
type sendForm struct{}

// MaxTitleLen bounds the title input.
func (sendForm) MaxTitleLen() int { return domain.MaxTitleLen }

// MinSigningHours is how far ahead a signing deadline must be at least.
func (sendForm) MinSigningHours() int { return int(domain.MinSigningLead / time.Hour) }

// MaxSigningDays is how far ahead a signing deadline may be at most.
func (sendForm) MaxSigningDays() int { return int(domain.MaxSigningLead / (24 * time.Hour)) }

// MinSigningLeadSeconds and MaxSigningLeadSeconds bound the deadline
// picker, for the page's script.
func (sendForm) MinSigningLeadSeconds() int64 { return int64(domain.MinSigningLead / time.Second) }

// MaxSigningLeadSeconds: see MinSigningLeadSeconds.
func (sendForm) MaxSigningLeadSeconds() int64 { return int64(domain.MaxSigningLead / time.Second) }
