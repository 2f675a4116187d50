// The one error a node throws on purpose: the user asked to stop. It lives apart from the graph builder
// so that the agents (which the builder imports) can throw it too.

/**
 * Thrown once the user asked to stop, before a node commits anything it could not redo: the last
 * checkpoint is then exact and resume runs that node from its start. The node in progress at the request
 * finishes first (its runner was aborted, so that is quick), which leaves no work running behind the
 * graph's back.
 */
export class CampaignInterrupted extends Error {
  constructor() {
    super("the campaign was interrupted; resume continues it");
    this.name = "CampaignInterrupted";
  }
}
