/**
 * Which of this machine's addresses another computer on the class network reaches it at: the
 * address `hub serve --lan` (and `serve --lan`) prints for students to type. A laptop often has
 * several IPv4 addresses besides its Wi-Fi or cable one — Docker's bridges, a VPN's tunnel — which
 * no student's laptop can reach; `os.networkInterfaces()` lists them in no useful order. A pure
 * function of that table, so it is tested with made-up ones.
 */
import type { NetworkInterfaceInfo } from 'node:os';

export interface LanAddress {
  address: string;
  /** The adapter's name as the system has it (eth0, en0, wlp2s0, docker0, Wi-Fi …). */
  adapter: string;
}

export interface LanChoice {
  /** The address students type: on a Wi-Fi or cable adapter, else on one not known to be virtual; null when there is none. */
  primary: LanAddress | null;
  /** Every other IPv4 LAN address, likeliest first (another physical adapter, an unknown one, then Docker or VPN ones). */
  also: LanAddress[];
}

/**
 * Names of physical adapters: Linux's eth0/enp3s0/eno1/ens33 and wlan0/wlp2s0, macOS's en0,
 * Windows' "Ethernet", "Wi-Fi", "WLAN", "以太网", "本地连接", "无线网络连接".
 */
const PHYSICAL = /^(en|eth|wl|wi-?fi|以太网|本地连接|无线网络连接|local area connection|wireless)/i;
/**
 * Names of virtual adapters no other computer reaches this one through: Docker (docker0, br-…,
 * veth…), other container and VM bridges (virbr, vboxnet, vmnet, lxc/lxd, cni, flannel, cali,
 * podman, Hyper-V's "vEthernet"), and VPNs (tun, tap, wg, utun, ppp, ipsec, Tailscale, ZeroTier).
 */
const VIRTUAL = /^(docker|br-|veth|virbr|vboxnet|vmnet|lxc|lxd|cni|flannel|cali|podman|vethernet|tun|tap|wg|utun|ppp|ipsec|tailscale|zt)/i;

/** 0: a physical adapter's; 1: an adapter of a name not known here; 2: a virtual adapter's, or link-local. */
function rank(adapter: string, address: string): number {
  // 169.254.x.x: what an adapter takes when no network gave it an address (a cable to nowhere).
  if (VIRTUAL.test(adapter) || address.startsWith('169.254.')) return 2;
  return PHYSICAL.test(adapter) ? 0 : 1;
}

/**
 * The LAN addresses in `interfaces` (the shape of `os.networkInterfaces()`): IPv4, not loopback,
 * the likeliest one first. A virtual or link-local address is never the primary one.
 */
export function chooseLanAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): LanChoice {
  const found: (LanAddress & { rank: number })[] = [];
  for (const [adapter, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family === 'IPv4' && !info.internal) found.push({ address: info.address, adapter, rank: rank(adapter, info.address) });
    }
  }
  // A stable sort: adapters of the same kind keep the system's order.
  const ordered = found.toSorted((a, b) => a.rank - b.rank);
  const addresses = ordered.map(({ address, adapter }) => ({ address, adapter }));
  if (ordered[0] === undefined || ordered[0].rank === 2) return { primary: null, also: addresses };
  return { primary: addresses[0]!, also: addresses.slice(1) };
}
