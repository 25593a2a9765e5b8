{
  "signature": "6m+nPMtnvy8PL7eT4Pk3NH0rVBOPV/AoY3Aw4/7EjDexNY1Zw2xPPl02069vrWoYHzlPyeGWgx0NXmXSLoRhDw==",
  "statement": {
    "build": {
      "cxx11_abi": 1,
      "sdk_abi": "1.1",
      "torch": "1.13.0"
    },
    "file": {
      "sha256": "8823ddcfde79d71b72133d08d77a8e10df50973f132dca6d1d0748d12f58407d",
      "size": 684992
    },
    "issued": "2026-12-03",
    "key_id": "cc376e4bda51a32c",
    "manifest_sha256": "e22edc4af5047e95d45ee980a145dee51fd365152b6ac17af01e23f590f1a1fd",
    "modelzoo_statement": 1,
    "plugin_id": "lut",
    "plugin_version": "1.1.0",
    "weights": [
      {
        "entrypoint": "fashion_mnist_small",
        "sha256": "32d5d1b542592ebbd8bcb287e9b43713572c0939406fb22a0113202f6ba42c9f",
        "tag": "FMNIST_V1",
        "urls": [
          "shipped://weights/lut/fashion_mnist_small-fmnist_v1.safetensors"
        ]
      },
      {
        "entrypoint": "fashion_mnist_large",
        "sha256": "147ed5bf7e56c57df46aa457153c89c49ed8bf7485d60268d6653f70149250c3",
        "tag": "FMNIST_V3",
        "urls": [
          "shipped://weights/lut/fashion_mnist_large-fmnist_v3.safetensors"
        ]
      },
      {
        "entrypoint": "fashion_mnist_large",
        "sha256": "4269669f6150425011a45bfe885db79a05bf7002e353fcb066ee82873bec0ea3",
        "tag": "FMNIST_V2",
        "urls": [
          "shipped://weights/lut/fashion_mnist_large-fmnist_v2.safetensors"
        ]
      }
    ]
  }
}
