/** The one function of `qrcode` the member card uses (the package ships no types). */
declare module 'qrcode' {
  const QRCode: {
    toString(text: string, options: { type: 'svg'; errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H'; margin?: number }): Promise<string>;
  };
  export default QRCode;
}
