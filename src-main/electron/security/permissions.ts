/**
 * Permission requests from web content (camera, geolocation, notifications, clipboard, USB, HID…).
 * The app needs none of them, so every request and every check is denied, whatever the origin.
 */
export function permissionGranted(_permission: string, _requestingUrl: string | null | undefined): boolean {
  return false;
}

/** Device choosers (`select-hid-device`, `select-serial-port`, `select-usb-device`, Bluetooth): never a device. */
export function devicePermissionGranted(): boolean {
  return false;
}
