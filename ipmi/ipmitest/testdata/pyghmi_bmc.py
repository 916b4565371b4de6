#!/usr/bin/python3
"""A second, independent RMCP+ BMC for oobkit's tests, built on pyghmi.

pyghmi (Debian python3-pyghmi, Apache-2.0) ships a BMC server class,
pyghmi.ipmi.bmc.Bmc; this script gives it a host whose power state and boot
device live in memory, and writes one line to stdout per action so that the
test can check what the BMC was asked to do:

    READY <port>          the socket is bound
    power on|off|cycle|reset|shutdown
    boot <device>         the boot device pyghmi decoded from Set System Boot Options

Usage: pyghmi_bmc.py PORT USER PASSWORD
It must run under Debian's /usr/bin/python3, which sees dist-packages.
"""

import sys

import pyghmi.ipmi.bmc as bmc


def say(*words):
    print(*words, flush=True)


class Host(bmc.Bmc):
    def __init__(self, authdata, port):
        super().__init__(authdata, port=port, address='127.0.0.1')
        self.powerstate = 'off'
        self.bootdevice = 'default'

    def get_power_state(self):
        return self.powerstate

    def power_on(self):
        self.powerstate = 'on'
        say('power', 'on')

    def power_off(self):
        self.powerstate = 'off'
        say('power', 'off')

    def power_cycle(self):
        say('power', 'cycle')

    def power_reset(self):
        say('power', 'reset')

    def power_shutdown(self):
        self.powerstate = 'off'
        say('power', 'shutdown')

    def is_active(self):
        return self.powerstate == 'on'

    def get_boot_device(self):
        return self.bootdevice

    def set_boot_device(self, bootdevice):
        self.bootdevice = bootdevice
        say('boot', bootdevice)


def main():
    port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    host = Host({user: password}, port)
    say('READY', port)
    host.listen()


if __name__ == '__main__':
    main()
