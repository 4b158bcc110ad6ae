// Which address `hub serve --lan` (and `serve --lan`) prints for students to type (src/main/core/http/lan.ts),
// from made-up `os.networkInterfaces()` tables: a Wi-Fi or cable adapter's before Docker's or a
// VPN's, whatever order the system lists them in; the others as "Also" lines; none on a network
// said on stderr, in both languages (hub/command.ts studentAddressLines).
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, test } from 'vitest';
import { noLanAddressWarning } from '../../src/main/core/cli-text.ts';
import { chooseLanAddresses, type LanChoice } from '../../src/main/core/http/lan.ts';
import { studentAddressLines } from '../../src/main/core/hub/command.ts';
import { studentAddresses } from '../../src/main/core/hub/server.ts';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '02:00:00:00:00:01',
  internal,
  cidr: `${address}/24`,
});
const v6 = (address: string): NetworkInterfaceInfo => ({
  address,
  netmask: 'ffff:ffff:ffff:ffff::',
  family: 'IPv6',
  mac: '02:00:00:00:00:01',
  internal: false,
  cidr: `${address}/64`,
  scopeid: 0,
});
const LOOPBACK = { lo: [v4('127.0.0.1', true), { ...v6('::1'), internal: true }] };

/** The choice as [adapter, address] pairs: the primary first (or null), then the others in order. */
function choice(table: NodeJS.Dict<NetworkInterfaceInfo[]>): [string | null, string[]] {
  const { primary, also } = chooseLanAddresses(table);
  return [primary ? `${primary.adapter} ${primary.address}` : null, also.map((a) => `${a.adapter} ${a.address}`)];
}

describe('the address students type: a physical adapter’s first', () => {
  test('Docker’s bridges listed before the cable: the cable’s', () => {
    expect(
      choice({ ...LOOPBACK, docker0: [v4('172.17.0.1')], 'br-3f2a1c': [v4('172.18.0.1')], veth9a8b7c: [v4('172.19.0.1')], eth0: [v4('192.168.1.20'), v6('fe80::1')] }),
    ).toEqual(['eth0 192.168.1.20', ['docker0 172.17.0.1', 'br-3f2a1c 172.18.0.1', 'veth9a8b7c 172.19.0.1']]);
  });

  test('VPN tunnels before the Wi-Fi (Linux and macOS names): the Wi-Fi’s', () => {
    expect(choice({ tun0: [v4('10.8.0.2')], wg0: [v4('10.9.0.2')], wlp2s0: [v4('192.168.0.33')] })).toEqual(['wlp2s0 192.168.0.33', ['tun0 10.8.0.2', 'wg0 10.9.0.2']]);
    expect(choice({ utun3: [v4('100.64.0.7')], lo0: [v4('127.0.0.1', true)], en0: [v4('10.20.30.40')] })).toEqual(['en0 10.20.30.40', ['utun3 100.64.0.7']]);
  });

  test('Windows’ names: Hyper-V’s vEthernet is virtual, “Wi-Fi” and “以太网” are physical', () => {
    expect(choice({ 'vEthernet (WSL)': [v4('172.29.16.1')], 'Wi-Fi': [v4('192.168.3.8')] })).toEqual(['Wi-Fi 192.168.3.8', ['vEthernet (WSL) 172.29.16.1']]);
    expect(choice({ 'vEthernet (Default Switch)': [v4('172.20.0.1')], 以太网: [v4('10.0.0.12')] })).toEqual(['以太网 10.0.0.12', ['vEthernet (Default Switch) 172.20.0.1']]);
  });

  test('cable and Wi-Fi both: the system’s order, the second as "also"; an unknown name before Docker’s', () => {
    expect(choice({ eth0: [v4('192.168.1.20')], wlan0: [v4('192.168.1.21')], docker0: [v4('172.17.0.1')] })).toEqual([
      'eth0 192.168.1.20',
      ['wlan0 192.168.1.21', 'docker0 172.17.0.1'],
    ]);
    expect(choice({ docker0: [v4('172.17.0.1')], bond0: [v4('10.1.1.5')] })).toEqual(['bond0 10.1.1.5', ['docker0 172.17.0.1']]);
    // A physical one wins over an unknown one listed first.
    expect(choice({ bond0: [v4('10.1.1.5')], enp3s0: [v4('10.1.2.5')] })).toEqual(['enp3s0 10.1.2.5', ['bond0 10.1.1.5']]);
  });

  test('a self-assigned 169.254.x.x (a cable to nowhere) is never the one shown', () => {
    expect(choice({ eth0: [v4('169.254.10.3')], wlan0: [v4('192.168.0.9')] })).toEqual(['wlan0 192.168.0.9', ['eth0 169.254.10.3']]);
  });

  test('no address on a network: none shown; only Docker’s or a VPN’s: none shown, they are the "also"', () => {
    expect(choice(LOOPBACK)).toEqual([null, []]);
    expect(choice({})).toEqual([null, []]);
    expect(choice({ ...LOOPBACK, eth0: [v6('fe80::1')] })).toEqual([null, []]);
    expect(choice({ ...LOOPBACK, docker0: [v4('172.17.0.1')], tun0: [v4('10.8.0.2')] })).toEqual([null, ['docker0 172.17.0.1', 'tun0 10.8.0.2']]);
  });
});

describe('hub serve’s lines about the addresses, in both languages', () => {
  const lan = (table: NodeJS.Dict<NetworkInterfaceInfo[]>): LanChoice => chooseLanAddresses(table);
  const onLan = { lan: true, host: '0.0.0.0' };

  test('the cable’s address to type, then an "also" line for each other adapter', () => {
    const addresses = studentAddresses(onLan, 5124, lan({ docker0: [v4('172.17.0.1')], eth0: [v4('192.168.1.20')], wg0: [v4('10.9.0.2')] }));
    expect(addresses).toEqual({
      urls: ['http://192.168.1.20:5124'],
      also: [
        { url: 'http://172.17.0.1:5124', adapter: 'docker0' },
        { url: 'http://10.9.0.2:5124', adapter: 'wg0' },
      ],
      noLanAddress: false,
    });
    expect(studentAddressLines(addresses, 'en')).toEqual({
      lines: [
        "The hub's address for students' laptops: http://192.168.1.20:5124",
        'Also on this machine: http://172.17.0.1:5124 (adapter docker0)',
        'Also on this machine: http://10.9.0.2:5124 (adapter wg0)',
      ],
      warning: null,
    });
    expect(studentAddressLines(addresses, 'zh-CN')).toEqual({
      lines: [
        '学生电脑上填写的班级中心地址：http://192.168.1.20:5124',
        '这台电脑的其他地址：http://172.17.0.1:5124（网卡 docker0）',
        '这台电脑的其他地址：http://10.9.0.2:5124（网卡 wg0）',
      ],
      warning: null,
    });
  });

  test('--allowed-host names come first; a LAN address already named is not repeated', () => {
    const addresses = studentAddresses({ ...onLan, allowedHosts: ['Hub.School.lan', '192.168.1.20'] }, 5124, lan({ eth0: [v4('192.168.1.20')] }));
    expect(addresses).toEqual({ urls: ['http://hub.school.lan:5124', 'http://192.168.1.20:5124'], also: [], noLanAddress: false });
    expect(studentAddressLines(addresses, 'en').lines).toEqual([
      "The hub's address for students' laptops (any one of these): http://hub.school.lan:5124, http://192.168.1.20:5124",
    ]);
  });

  test('without --lan the machine’s addresses are not offered, and nothing is missing', () => {
    const addresses = studentAddresses({ host: '127.0.0.1' }, 5124, lan({ eth0: [v4('192.168.1.20')] }));
    expect(addresses).toEqual({ urls: [], also: [], noLanAddress: false });
    expect(studentAddressLines(addresses, 'zh-CN')).toEqual({ lines: [], warning: null });
  });

  test('--lan with no address on a network: no line to type, and a warning on stderr naming the fix', () => {
    const none = studentAddresses(onLan, 5124, lan(LOOPBACK));
    expect(none).toEqual({ urls: [], also: [], noLanAddress: true });
    expect(studentAddressLines(none, 'en')).toEqual({ lines: [], warning: noLanAddressWarning('hub', false, 'en') });
    expect(noLanAddressWarning('hub', false, 'en')).toBe(
      "studylog hub: this machine has no address on a local network: students' laptops will not reach this hub. Connect it to the class network (the classroom's Wi-Fi or a cable), then start the hub again.\n",
    );
    expect(studentAddressLines(none, 'zh-CN').warning).toBe(
      'studylog hub：这台电脑没有局域网地址，学生的电脑连不上这个班级中心。请把这台电脑连接到班级的网络（教室的 Wi-Fi 或网线），然后重新启动班级中心。\n',
    );
    // Only Docker's: it is listed as "also", and the warning says that is all there is.
    const docker = studentAddresses(onLan, 5124, lan({ docker0: [v4('172.17.0.1')] }));
    expect(docker).toEqual({ urls: [], also: [{ url: 'http://172.17.0.1:5124', adapter: 'docker0' }], noLanAddress: true });
    expect(studentAddressLines(docker, 'zh-CN')).toEqual({
      lines: ['这台电脑的其他地址：http://172.17.0.1:5124（网卡 docker0）'],
      warning:
        'studylog hub：这台电脑没有局域网地址（只有虚拟网卡或 VPN 的地址），学生的电脑连不上这个班级中心。请把这台电脑连接到班级的网络（教室的 Wi-Fi 或网线），然后重新启动班级中心。\n',
    });
    expect(noLanAddressWarning('serve', true, 'en')).toBe(
      "studylog: this machine has no address on a local network (only virtual or VPN adapters): other computers will not reach this Studylog. Connect it to the class network (the classroom's Wi-Fi or a cable), then start Studylog again.\n",
    );
  });
});
