// The dashboard: the token once per browser session, the campaign list, the selected campaign's detail,
// all refreshed from the daemon's event stream as evaluations arrive.

import { download, followEvents, getJson, token, Unauthorized } from "./api.js";
import { campaignDetail, campaignRows } from "./views.js";

const $ = (id) => document.getElementById(id);
let selected = null;
let stopEvents = null;

/** Runs `task` at most once per `ms` (never two at once), and once more after the last call. */
function throttled(task, ms) {
  let busy = false;
  let again = false;
  const run = async () => {
    busy = true;
    again = false;
    try {
      await task();
    } catch (error) {
      if (error instanceof Unauthorized) logout("The daemon no longer accepts this token.");
    }
    setTimeout(() => {
      busy = false;
      if (again) run();
    }, ms);
  };
  return () => (busy ? (again = true) : run());
}

const refreshList = throttled(async () => {
  const rows = await getJson("/v1/campaigns");
  if (selected === null && rows.length > 0) selected = (rows.find((r) => r.state === "running") ?? rows[rows.length - 1]).id;
  $("campaigns").querySelector("tbody").replaceChildren(...campaignRows(rows, selected, select));
}, 1000);

/** The report's files are named after the spec, so they are listed once per selected campaign. */
const reportFiles = new Map();

const refreshDetail = throttled(async () => {
  if (selected === null) return;
  const id = selected;
  if (!reportFiles.has(id)) reportFiles.set(id, (await getJson(`/v1/campaigns/${id}/report`)).files);
  const [detail, convergence] = await Promise.all([getJson(`/v1/campaigns/${id}`), getJson(`/v1/campaigns/${id}/convergence`)]);
  if (id !== selected) return;
  $("detail").replaceChildren(...campaignDetail(detail, convergence, reportFiles.get(id), (f) => download(f.path, f.name)));
}, 700);

function select(id) {
  selected = id;
  refreshList();
  refreshDetail();
}

function show(loggedIn) {
  $("login").hidden = loggedIn;
  $("dashboard").hidden = !loggedIn;
  $("logout").hidden = !loggedIn;
}

function logout(message = "") {
  token.clear();
  stopEvents?.();
  stopEvents = null;
  $("connection").textContent = "not connected";
  $("connection").className = "connection";
  $("login-error").textContent = message;
  show(false);
}

async function open() {
  try {
    await getJson("/v1/campaigns");
  } catch (error) {
    return logout(error instanceof Unauthorized ? "The daemon does not know this token." : `The daemon did not answer: ${error.message}`);
  }
  show(true);
  refreshList();
  refreshDetail();
  stopEvents = followEvents(
    "/v1/events",
    (type, data) => {
      refreshList();
      if (data.campaignId === selected && type !== "round") refreshDetail();
    },
    (text, live) => {
      $("connection").textContent = text;
      $("connection").className = live ? "connection live" : "connection";
    },
  );
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  token.set($("token").value.trim());
  $("token").value = "";
  open();
});
$("logout").addEventListener("click", () => logout());

if (token.get()) open();
else show(false);
