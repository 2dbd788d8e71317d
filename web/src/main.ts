// Entry point of the manual submission pages' bundle: the server names the
// page in <body data-page>.

import { initSend } from "./send";
import { initStatus } from "./status";

switch (document.body.dataset.page) {
  case "send":
    initSend();
    break;
  case "status":
    initStatus();
    break;
}
