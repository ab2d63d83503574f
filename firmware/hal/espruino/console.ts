// The maintenance window's console on Espruino: a TCP server of our own on the telnet port
// (23; 2323 on the Linux build, as libs/network/telnet/jswrap_telnet.c), never Espruino's
// telnet server. Espruino's lock is one global flag that the first right password clears for
// every later client (src/jsinteractive.c, JSIS_PASSWORD_PROTECTED), and its telnet server
// hands the console to the newest client without anything JavaScript can see
// (jswrap_telnet.c, telnetAccept: E.getConsole() stays "Telnet"): docs/espruino.md
// "Consoles". Here each connection is a socket of its own: it types its password first, and
// only a connection let in is joined to the interpreter, through the loopback device pair
// (the console is moved to LoopbackA; what is written to LoopbackB is its input, what it
// prints comes out of LoopbackB: src/jsdevices.c, jshTransmit).
import type { ConsoleDoor } from "../platform";

const PORT = process.env.BOARD === "LINUX" ? 2323 : 23;

export function consoleServer(): (door: ConsoleDoor | undefined) => void {
  let server: NetServer | undefined;
  let session: SocketLike | undefined;
  /** The console to give back when the session ends (Serial1 on an ESP32). */
  let before: string | null;
  LoopbackB.on("data", (data) => {
    if (session) session.write(data);
  });
  /** The session stops being the console now, not when its socket closes: Espruino closes an
   *  ended socket only once its peer stops sending (libs/network/socketserver.c,
   *  socketServerConnectionsIdle), and until then its bytes would still reach the interpreter. */
  const detach = () => {
    const s = session;
    if (!s) return;
    session = undefined;
    E.setConsole(before);
    s.end();
  };
  return (door) => {
    if (server) server.close();
    server = undefined;
    detach();
    if (!door) return;
    server = require("net").createServer((socket) => {
      let line = "";
      /** 0 waiting for the password, 1 let in, 2 refused. */
      let stage = 0;
      socket.write(door.ask());
      // A connection gets 20 s to type its password: none waits at the prompt for long, nor
      // much beyond the window (closing the server leaves its accepted sockets open).
      setTimeout(() => {
        if (stage) return;
        stage = 2;
        socket.end();
      }, 20000);
      socket.on("data", (data) => {
        // Only the session that is the console now reaches the interpreter.
        if (stage) {
          if (session === socket) LoopbackB.write(data);
          return;
        }
        // Enter is "\r" or "\n" (String.prototype.search is missing in Espruino).
        line = (line + data).replace(/\r/g, "\n");
        const end = line.indexOf("\n");
        // The line is the password and nothing else: what came after it in the same packet
        // never reaches the interpreter.
        if (end < 0 ? line.length > 64 : !door.enter(line.slice(0, end))) {
          stage = 2;
          socket.end("\r\nInvalid password\r\n");
          return;
        }
        if (end < 0) return;
        stage = 1;
        if (session) session.end();
        else {
          before = E.getConsole();
          E.setConsole("LoopbackA", { force: true });
        }
        session = socket;
        socket.write("\r\nLogged in.\r\n");
      });
      socket.on("close", () => {
        stage = 2;
        if (session !== socket) return;
        session = undefined;
        E.setConsole(before);
      });
    });
    server.listen(PORT);
  };
}
